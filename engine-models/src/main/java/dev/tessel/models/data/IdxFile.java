package dev.tessel.models.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file (the MNIST / Fashion-MNIST format) of unsigned bytes, gzip-compressed or not.
 *
 * <p>Format: two zero bytes, a type byte (0x08 = unsigned byte, the only type read here), a byte
 * with the number of dimensions n, n big-endian 32-bit sizes, then the values in row-major order.
 * Invariant: {@code data.length} equals the product of {@code dims}; every error names the file.
 */
public record IdxFile(Path path, int[] dims, byte[] data) {
    private static final int UNSIGNED_BYTE = 0x08;

    /** Reads a whole IDX file; gzip is recognised by its magic bytes, not by the file name. */
    public static IdxFile read(Path path) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            byte[] header = in.readNBytes(4);
            if (header.length < 4 || header[0] != 0 || header[1] != 0) throw bad(path, "does not start with the IDX magic 00 00");
            if ((header[2] & 0xFF) != UNSIGNED_BYTE) {
                throw bad(path, String.format("has element type 0x%02x; expected 0x08 (unsigned byte)", header[2] & 0xFF));
            }
            int rank = header[3] & 0xFF;
            if (rank == 0) throw bad(path, "declares 0 dimensions");
            byte[] sizes = in.readNBytes(4 * rank);
            if (sizes.length < 4 * rank) throw bad(path, "ends inside its header");
            int[] dims = new int[rank];
            long count = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = ((sizes[4 * i] & 0xFF) << 24) | ((sizes[4 * i + 1] & 0xFF) << 16) | ((sizes[4 * i + 2] & 0xFF) << 8) | (sizes[4 * i + 3] & 0xFF);
                if (dims[i] < 0) throw bad(path, "declares a negative size in dimension " + i);
                count *= dims[i];
            }
            if (count > Integer.MAX_VALUE - 16) throw bad(path, "holds " + count + " values, more than one array can");
            byte[] data = in.readNBytes((int) count);
            if (data.length < count) throw bad(path, "is truncated: dimensions " + Arrays.toString(dims) + " need " + count + " values but only " + data.length + " follow");
            if (in.read() != -1) throw bad(path, "has bytes after the " + count + " values its dimensions " + Arrays.toString(dims) + " declare");
            return new IdxFile(path, dims, data);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot read IDX file: " + e.getMessage(), e);
        }
    }

    /** Unsigned value at flat position {@code i}. */
    public int unsigned(long i) {
        return data[(int) i] & 0xFF;
    }

    private static IllegalArgumentException bad(Path path, String what) {
        return new IllegalArgumentException(path + ": not a valid IDX file: it " + what);
    }
}
