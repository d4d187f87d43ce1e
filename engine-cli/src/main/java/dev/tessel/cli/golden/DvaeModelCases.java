// DvaeModelCases: the dvae.encoder and dvae.decoder golden cases (FORMAT.md 3.1, 3.2): build the
// model the attrs describe, load every param.* tensor by its reference state-dict key, run it.
//
// Invariant: every size comes from the case (attrs and tensor shapes), never from a preset; the
// load is strict, so a key the model does not have (or lacks) fails the case by name. The
// reference computes these cases in fp32 on the CPU (its fp16 path is CUDA-only), as we do.
package dev.tessel.cli.golden;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Functional;
import dev.tessel.autograd.nn.Module;
import dev.tessel.kernels.Backend;
import dev.tessel.kernels.UnaryOp;
import dev.tessel.models.dvae.DvaeConfig;
import dev.tessel.models.dvae.DvaeDecoder;
import dev.tessel.models.dvae.DvaeEncoder;
import dev.tessel.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Handlers of the two dVAE model ops. */
final class DvaeModelCases {
    private DvaeModelCases() {}

    /** {@code dvae.encoder}: in.x (mapped pixels) -> out.logits and out.argmax over the vocabulary axis. */
    static final class Encoder implements CaseHandler {
        @Override
        public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
            CaseAttrs a = c.attrs();
            Tensor x = c.tensor("in.x");
            int groups = a.integerOr("group_count", 4);
            // the encoder has no n_init: any valid value builds the same encoder
            DvaeConfig config = new DvaeConfig(x.dim(2), a.integer("input_channels"), groups, a.integer("n_blk_per_group"),
                    a.integer("n_hid"), 1, a.integer("vocab_size"));
            DvaeEncoder encoder = new DvaeEncoder(config, new SplittableRandom(0));
            loadParams(c, encoder);
            try (var scope = Autograd.backend(backend); var off = Autograd.noGrad()) {
                Tensor logits = encoder.forward(Variable.constant(x)).value();
                Map<String, Tensor> fields = new LinkedHashMap<>();
                fields.put("out.logits", logits);
                fields.put("out.argmax", backend.argmax(logits, 1));
                return fields;
            }
        }
    }

    /** {@code dvae.decoder}: in.z (one-hot codes) -> out.x_stats and out.x_rec = unmap(sigmoid(mu)). */
    static final class Decoder implements CaseHandler {
        @Override
        public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
            CaseAttrs a = c.attrs();
            Tensor z = c.tensor("in.z");
            int groups = a.integerOr("group_count", 4), channels = a.integer("output_channels");
            DvaeConfig config = new DvaeConfig(z.dim(2) << (groups - 1), channels, groups, a.integer("n_blk_per_group"),
                    a.integer("n_hid"), a.integer("n_init"), a.integer("vocab_size"));
            DvaeDecoder decoder = new DvaeDecoder(config, new SplittableRandom(0));
            loadParams(c, decoder);
            try (var scope = Autograd.backend(backend); var off = Autograd.noGrad()) {
                Tensor stats = decoder.forward(Variable.constant(z)).value();
                Tensor mu = stats.slice(1, 0, channels);
                Map<String, Tensor> fields = new LinkedHashMap<>();
                fields.put("out.x_stats", stats);
                fields.put("out.x_rec", Functional.unmapPixels(backend.unary(UnaryOp.SIGMOID, mu), Functional.LOGIT_LAPLACE_EPS));
                return fields;
            }
        }
    }

    private static void loadParams(GoldenCase c, Module model) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String name : model.namedParameters().keySet()) state.put(name, c.tensor("param." + name));
        model.loadStateDict(state, true);
    }
}
