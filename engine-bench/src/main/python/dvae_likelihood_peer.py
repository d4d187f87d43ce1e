#!/usr/bin/python3
"""PyTorch replica of tessel's tiny dVAE training (DvaeConfig.tiny(), DvaeTrainer's schedules), used
to tell a bug from a recipe problem: it reproduced tessel's stall at the background-only
reconstruction (~16-17 dB PSNR on `shapes`) with the paper's logit-Laplace likelihood, and showed
that a fixed-sigma Gaussian likelihood (--loss mse) learns the objects (docs/results.md, dVAE).

Data: raw float32 [N, 3, 32, 32] files of tessel's own `shapes` images, written with
    java --add-modules jdk.incubator.vector -cp engine-cli/target/tessel.jar Dump.java TRAIN 20000 train.f32
    java --add-modules jdk.incubator.vector -cp engine-cli/target/tessel.jar Dump.java TEST 512 test.f32
where Dump.java writes ShapesDataset(split, 0).get(i).image().toFloatArray() little-endian for i < N.
Run (Debian's python has torch):  /usr/bin/python3 dvae_likelihood_peer.py --steps 1000 [--loss mse]
The knobs beyond the paper's recipe (--noise, --hard, --agg, --lnbmin, --msew, --plain) are the
experiments listed in docs/results.md; the defaults are the paper's recipe as tessel runs it.
"""
import torch, torch.nn as nn, torch.nn.functional as F, numpy as np, math, sys, time, argparse
p = argparse.ArgumentParser()
p.add_argument('--steps', type=int, default=1000); p.add_argument('--batch', type=int, default=32)
p.add_argument('--lr', type=float, default=1e-3); p.add_argument('--kl', type=float, default=6.6)
p.add_argument('--nhid', type=int, default=16); p.add_argument('--threads', type=int, default=1)
p.add_argument('--tempfrac', type=float, default=0.5); p.add_argument('--klfrac', type=float, default=0.1)
p.add_argument('--tend', type=float, default=1/16)
p.add_argument('--noise', type=float, default=1.0); p.add_argument('--loss', default='laplace'); p.add_argument('--lscale', type=float, default=1.0); p.add_argument('--every', type=int, default=100); p.add_argument('--plain', type=int, default=0); p.add_argument('--hard', type=int, default=0); p.add_argument('--agg', type=float, default=0); p.add_argument('--lnbmin', type=float, default=-99); p.add_argument('--msew', type=float, default=0); p.add_argument('--msefrac', type=float, default=0.5)
a = p.parse_args()
torch.set_num_threads(a.threads); torch.manual_seed(0)
tr = np.fromfile('train.f32', dtype=np.float32).reshape(-1,3,32,32); te = torch.from_numpy(np.fromfile('test.f32', dtype=np.float32).reshape(-1,3,32,32))
EPS=0.1
def mp(x): return (1-2*EPS)*x+EPS
def ump(x): return ((x-EPS)/(1-2*EPS)).clamp(0,1)
class EB(nn.Module):
    def __init__(s,i,o,L):
        super().__init__(); h=o//4; s.post=1/L**2
        s.id = nn.Conv2d(i,o,1) if i!=o else nn.Identity()
        s.res = nn.Sequential(nn.ReLU(),nn.Conv2d(i,h,3,padding=1),nn.ReLU(),nn.Conv2d(h,h,3,padding=1),nn.ReLU(),nn.Conv2d(h,h,3,padding=1),nn.ReLU(),nn.Conv2d(h,o,1))
    def forward(s,x): return s.id(x)+s.post*s.res(x)
class DB(nn.Module):
    def __init__(s,i,o,L):
        super().__init__(); h=o//4; s.post=1/L**2
        s.id = nn.Conv2d(i,o,1) if i!=o else nn.Identity()
        s.res = nn.Sequential(nn.ReLU(),nn.Conv2d(i,h,1),nn.ReLU(),nn.Conv2d(h,h,3,padding=1),nn.ReLU(),nn.Conv2d(h,h,3,padding=1),nn.ReLU(),nn.Conv2d(h,o,3,padding=1))
    def forward(s,x): return s.id(x)+s.post*s.res(x)
G=3; V=512; nh=a.nhid
def init(m):
    for mod in m.modules():
        if isinstance(mod, nn.Conv2d):
            k=mod.kernel_size[0]; nn.init.normal_(mod.weight, std=1/math.sqrt(mod.in_channels*k*k)); nn.init.zeros_(mod.bias)
enc = nn.Sequential(nn.Conv2d(3,nh,7,padding=3), EB(nh,nh,G), nn.MaxPool2d(2), EB(nh,2*nh,G), nn.MaxPool2d(2), EB(2*nh,4*nh,G), nn.ReLU(), nn.Conv2d(4*nh,V,1))
dec = nn.Sequential(nn.Conv2d(V,32,1), DB(32,4*nh,G), nn.Upsample(scale_factor=2), DB(4*nh,2*nh,G), nn.Upsample(scale_factor=2), DB(2*nh,nh,G), nn.ReLU(), nn.Conv2d(nh,6,1))
init(enc); init(dec)
params=list(enc.parameters())+list(dec.parameters())
print('params', sum(p.numel() for p in enc.parameters()), sum(p.numel() for p in dec.parameters()))
opt=torch.optim.AdamW(params, lr=a.lr, weight_decay=1e-4)
def cos(a0,a1,t,n): 
    if t>=n: return a1
    return a1+(a0-a1)*0.5*(1+math.cos(math.pi*t/n))
def nll(x, mu, lnb):
    lx = torch.log(x) - torch.log1p(-x)
    return (math.log(2) + lnb + torch.log(x) + torch.log1p(-x) + (lx-mu).abs()*torch.exp(-lnb)).sum()
def psnr(enc,dec):
    with torch.no_grad():
        lg = enc(mp(te)); z = lg.argmax(1); oh = F.one_hot(z, V).permute(0,3,1,2).float()
        rec = ump(torch.sigmoid(dec(oh)[:, :3]))
        mse = ((rec-te)**2).mean(dim=(1,2,3))
        ps = (10*torch.log10(1/mse)).mean().item()
        usage = F.one_hot(z.flatten(), V).float().mean(0); ent = -(usage[usage>0]*usage[usage>0].log()).sum().item()
        return ps, math.exp(ent), int((usage>0).sum()), lg.std().item()*a.lscale
t0=time.time(); rng=np.random.default_rng(0)
for t in range(a.steps):
    tau = cos(1.0, a.tend, t, max(1,round(a.steps*a.tempfrac))); beta = cos(0, a.kl, t, max(1,round(a.steps*a.klfrac)))
    lr = cos(a.lr, a.lr/80, t, a.steps)
    for g in opt.param_groups: g['lr']=lr
    x = torch.from_numpy(tr[rng.integers(0, len(tr), a.batch)]); xm = mp(x)
    logits = enc(xm)
    logits = logits*a.lscale
    g = -torch.log(-torch.log(torch.rand_like(logits).clamp_min(1e-20)))
    z = F.softmax((logits + a.noise*g)/tau, 1) if not a.plain else logits
    if a.hard:
        oh = F.one_hot(z.argmax(1), V).permute(0,3,1,2).float(); z = oh + z - z.detach()
    st = dec(z)
    n = nll(xm, st[:, :3], st[:, 3:].clamp_min(a.lnbmin)) if a.loss=='laplace' else ((ump(torch.sigmoid(st[:, :3]))-x)**2).sum()*50
    lq = F.log_softmax(logits, 1); kl = (lq.exp()*(lq+math.log(V))).sum()
    vals = x.numel(); loss = (n + beta*kl)/vals
    mw = cos(a.msew, 0, t, max(1, round(a.steps*a.msefrac)))
    if mw > 0: loss = loss + mw*((ump(torch.sigmoid(st[:, :3]))-x)**2).mean()
    if a.agg:
        qm = lq.exp().mean(dim=(0,2,3)); loss = loss + a.agg*(qm*(qm.clamp_min(1e-12).log()+math.log(V))).sum()
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step()
    if t % a.every == 0 or t == a.steps-1:
        ps = psnr(enc,dec)
        print(f'{t} loss {loss.item():.4f} nll {n.item()/vals:.4f} kl {kl.item()/vals:.4f} tau {tau:.3f} beta {beta:.2f} psnr {ps[0]:.2f} ppl {ps[1]:.1f} used {ps[2]} lstd {ps[3]:.2f} {time.time()-t0:.0f}s', flush=True)
