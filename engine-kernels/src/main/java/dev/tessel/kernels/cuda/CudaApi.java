package dev.tessel.kernels.cuda;

import static jcuda.driver.JCudaDriver.*;

import dev.tessel.kernels.device.DeviceApi;
import dev.tessel.kernels.device.DeviceBuffer;
import dev.tessel.kernels.device.KernelArgs;
import dev.tessel.kernels.device.KernelHandle;
import dev.tessel.kernels.device.Launch;
import dev.tessel.kernels.device.ProgramSource;
import dev.tessel.kernels.device.VendorGemm;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * DeviceApi over the CUDA driver API through JCuda: device 0's primary context (shared with
 * cuBLAS, which uses the runtime API), the default stream, modules loaded from PTX that
 * {@link NvrtcCompiler} builds at run time from the shipped sources.
 *
 * <p>Invariant: every method is synchronized and makes the context current on the calling thread
 * first (a CUDA context is per-thread state, and the Cpu backend's pool calls from any thread);
 * launches go to the default stream, so a blocking cuMemcpyDtoH orders after them.
 */
public final class CudaApi implements DeviceApi {
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final int computeCapability;
    private final String description;
    private final NvrtcCompiler compiler;
    private final Map<ProgramSource, CUmodule> modules = new HashMap<>();
    private final Map<String, CuKernel> kernels = new HashMap<>();
    private CublasGemm cublas;

    private record CuBuffer(CUdeviceptr pointer, long bytes) implements DeviceBuffer {}

    private record CuKernel(String name, CUfunction function) implements KernelHandle {}

    private CudaApi() {
        JCudaDriver.setExceptionsEnabled(true);
        jcuda.nvrtc.JNvrtc.setExceptionsEnabled(true);
        cuInit(0);
        int[] count = new int[1];
        cuDeviceGetCount(count);
        if (count[0] == 0) throw new jcuda.CudaException("the CUDA driver reports no device");
        cuDeviceGet(device, 0);
        cuDevicePrimaryCtxRetain(context, device);
        cuCtxSetCurrent(context);
        int[] major = new int[1], minor = new int[1];
        cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
        cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
        computeCapability = major[0] * 10 + minor[0];
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, device);
        compiler = new NvrtcCompiler(computeCapability);
        description = "cuda (" + new String(name, java.nio.charset.StandardCharsets.US_ASCII).trim().replace("\0", "")
                + ", sm_" + computeCapability + ", NVRTC " + compiler.version() + ")";
    }

    /** Opens device 0. Throws a LinkageError (no libcuda / natives) or CudaException (no device, driver error). */
    public static CudaApi open() { return new CudaApi(); }

    @Override public String description() { return description; }

    @Override public Dialect dialect() { return Dialect.CUDA; }

    @Override public boolean tensorCores() { return computeCapability >= 80; }

    @Override public synchronized VendorGemm vendorGemm() {
        if (cublas == null) {
            cuCtxSetCurrent(context);
            cublas = new CublasGemm(this);
        }
        return cublas;
    }

    static CUdeviceptr pointer(DeviceBuffer b) { return ((CuBuffer) b).pointer(); }

    synchronized void makeCurrent() { cuCtxSetCurrent(context); }

    @Override public synchronized DeviceBuffer allocate(long bytes) {
        cuCtxSetCurrent(context);
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, bytes);
        return new CuBuffer(p, bytes);
    }

    @Override public synchronized void release(DeviceBuffer buffer) {
        cuCtxSetCurrent(context);
        cuMemFree(pointer(buffer));
    }

    @Override public synchronized void write(DeviceBuffer buffer, MemorySegment source, long bytes) {
        cuCtxSetCurrent(context);
        cuMemcpyHtoD(pointer(buffer), Pointer.to(source.asByteBuffer()), bytes);
    }

    @Override public synchronized void read(DeviceBuffer buffer, MemorySegment destination, long bytes) {
        cuCtxSetCurrent(context);
        cuMemcpyDtoH(Pointer.to(destination.asByteBuffer()), pointer(buffer), bytes);
    }

    @Override public synchronized void zero(DeviceBuffer buffer, long bytes) {
        cuCtxSetCurrent(context);
        cuMemsetD8(pointer(buffer), (byte) 0, bytes);
    }

    @Override public synchronized KernelHandle kernel(ProgramSource source, String kernelName) {
        cuCtxSetCurrent(context);
        String key = source + "#" + kernelName;
        CuKernel k = kernels.get(key);
        if (k == null) {
            CUmodule module = modules.get(source);
            if (module == null) {
                module = new CUmodule();
                cuModuleLoadData(module, compiler.ptx(source));
                modules.put(source, module);
            }
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, module, kernelName);
            k = new CuKernel(kernelName, f);
            kernels.put(key, k);
        }
        return k;
    }

    @Override public synchronized void launch(KernelHandle handle, Launch g, KernelArgs args) {
        cuCtxSetCurrent(context);
        Pointer[] params = args.list().stream().map(arg -> switch (arg) {
            case KernelArgs.Buffer b -> Pointer.to(pointer(b.buffer()));
            case KernelArgs.Int v -> Pointer.to(new int[] {v.value()});
            case KernelArgs.Long v -> Pointer.to(new long[] {v.value()});
            case KernelArgs.Float v -> Pointer.to(new float[] {v.value()});
        }).toArray(Pointer[]::new);
        cuLaunchKernel(((CuKernel) handle).function(), g.groupsX(), g.groupsY(), g.groupsZ(), g.localX(), g.localY(), g.localZ(),
                0, null, Pointer.to(params), null);
    }

    @Override public synchronized void close() {
        cuCtxSetCurrent(context);
        if (cublas != null) cublas.close();
        for (CUmodule m : modules.values()) cuModuleUnload(m);
        modules.clear();
        kernels.clear();
        cuDevicePrimaryCtxRelease(device);
    }
}
