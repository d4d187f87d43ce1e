package dev.tessel.kernels.opencl;

import static org.jocl.CL.*;

import dev.tessel.kernels.device.DeviceApi;
import dev.tessel.kernels.device.DeviceBuffer;
import dev.tessel.kernels.device.KernelArgs;
import dev.tessel.kernels.device.KernelHandle;
import dev.tessel.kernels.device.Launch;
import dev.tessel.kernels.device.ProgramSource;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

/**
 * DeviceApi over OpenCL 1.2 through JOCL: one context and one in-order queue on the first GPU of
 * the first platform that has one, else the first device found (PoCL's CPU device here).
 * Programs are built from {@link ProgramSource#openClText()} with {@code -cl-std=CL1.2}, IEEE
 * division and square root ({@code -cl-fp32-correctly-rounded-divide-sqrt}, as Java and CUDA's
 * defaults) and the source's -D options, and cached per ProgramSource; PoCL also caches binaries on disk in
 * POCL_CACHE_DIR.
 *
 * <p>Invariant: every method is synchronized (cl_kernel arguments are shared state between
 * clSetKernelArg and the enqueue); reads are blocking, so they order after all earlier launches.
 * No -cl-fast-relaxed-math: kernels rely on IEEE Inf/NaN (masks at -inf, the unscale filter).
 */
public final class OpenClApi implements DeviceApi {
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_device_id device;
    private final String description;
    private final Map<ProgramSource, cl_program> programs = new HashMap<>();
    private final Map<String, ClKernel> kernels = new HashMap<>();

    private record ClBuffer(cl_mem mem, long bytes) implements DeviceBuffer {}

    private record ClKernel(String name, cl_kernel kernel) implements KernelHandle {}

    private OpenClApi(cl_platform_id platform, cl_device_id device) {
        this.device = device;
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, platform);
        this.context = clCreateContext(props, 1, new cl_device_id[] {device}, null, null, null);
        this.queue = clCreateCommandQueue(context, device, 0, null);
        this.description = "opencl (" + platformString(platform, CL_PLATFORM_NAME) + " / " + deviceString(device, CL_DEVICE_NAME) + ")";
    }

    /**
     * Opens the preferred device. Throws CLException (e.g. CL_PLATFORM_NOT_FOUND_KHR when no ICD is
     * installed) or a LinkageError when JOCL's native library cannot load.
     */
    public static OpenClApi open() {
        CL.setExceptionsEnabled(true);
        int[] count = new int[1];
        clGetPlatformIDs(0, null, count);
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        for (long type : new long[] {CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_ALL}) {
            for (cl_platform_id p : platforms) {
                int[] n = new int[1];
                try {
                    clGetDeviceIDs(p, type, 0, null, n);
                } catch (CLException e) {
                    continue;   // CL_DEVICE_NOT_FOUND: this platform has none of this type
                }
                if (n[0] == 0) continue;
                cl_device_id[] devices = new cl_device_id[n[0]];
                clGetDeviceIDs(p, type, n[0], devices, null);
                return new OpenClApi(p, devices[0]);
            }
        }
        throw new CLException("no OpenCL device on " + platforms.length + " platform(s)", CL_DEVICE_NOT_FOUND);
    }

    @Override public String description() { return description; }

    @Override public Dialect dialect() { return Dialect.OPENCL; }

    @Override public synchronized DeviceBuffer allocate(long bytes) {
        return new ClBuffer(clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null), bytes);
    }

    @Override public synchronized void release(DeviceBuffer buffer) { clReleaseMemObject(mem(buffer)); }

    @Override public synchronized void write(DeviceBuffer buffer, MemorySegment source, long bytes) {
        clEnqueueWriteBuffer(queue, mem(buffer), CL_TRUE, 0, bytes, Pointer.to(source.asByteBuffer()), 0, null, null);
    }

    @Override public synchronized void read(DeviceBuffer buffer, MemorySegment destination, long bytes) {
        clEnqueueReadBuffer(queue, mem(buffer), CL_TRUE, 0, bytes, Pointer.to(destination.asByteBuffer()), 0, null, null);
    }

    @Override public synchronized void zero(DeviceBuffer buffer, long bytes) {
        clEnqueueFillBuffer(queue, mem(buffer), Pointer.to(new byte[] {0}), 1, 0, bytes, 0, null, null);
    }

    @Override public synchronized KernelHandle kernel(ProgramSource source, String kernelName) {
        String key = source + "#" + kernelName;
        ClKernel k = kernels.get(key);
        if (k == null) {
            k = new ClKernel(kernelName, clCreateKernel(program(source), kernelName, null));
            kernels.put(key, k);
        }
        return k;
    }

    private cl_program program(ProgramSource source) {
        cl_program p = programs.get(source);
        if (p != null) return p;
        String text = source.openClText();
        p = clCreateProgramWithSource(context, 1, new String[] {text}, new long[] {text.length()}, null);
        String options = "-cl-std=CL1.2 -cl-fp32-correctly-rounded-divide-sqrt " + String.join(" ", source.defineOptions());
        try {
            clBuildProgram(p, 1, new cl_device_id[] {device}, options, null, null);
        } catch (CLException e) {
            throw new IllegalStateException("OpenCL build of " + source + " failed (" + e.getMessage() + "), options '" + options + "':\n" + buildLog(p), e);
        }
        programs.put(source, p);
        return p;
    }

    @Override public synchronized void launch(KernelHandle handle, Launch geometry, KernelArgs args) {
        cl_kernel k = ((ClKernel) handle).kernel();
        int i = 0;
        for (KernelArgs.Arg arg : args.list()) {
            switch (arg) {
                case KernelArgs.Buffer b -> clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(mem(b.buffer())));
                case KernelArgs.Int v -> clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v.value()}));
                case KernelArgs.Long v -> clSetKernelArg(k, i, Sizeof.cl_long, Pointer.to(new long[] {v.value()}));
                case KernelArgs.Float v -> clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v.value()}));
            }
            i++;
        }
        clEnqueueNDRangeKernel(queue, k, 3, null, geometry.openClGlobal(), geometry.openClLocal(), 0, null, null);
    }

    @Override public synchronized void close() {
        for (ClKernel k : kernels.values()) clReleaseKernel(k.kernel());
        for (cl_program p : programs.values()) clReleaseProgram(p);
        kernels.clear();
        programs.clear();
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
    }

    private static cl_mem mem(DeviceBuffer b) { return ((ClBuffer) b).mem(); }

    private String buildLog(cl_program p) {
        long[] size = new long[1];
        clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] log = new byte[(int) size[0]];
        clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return new String(log, 0, Math.max(0, log.length - 1), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, b.length, Pointer.to(b), null);
        return new String(b, 0, Math.max(0, b.length - 1), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, b.length, Pointer.to(b), null);
        return new String(b, 0, Math.max(0, b.length - 1), java.nio.charset.StandardCharsets.UTF_8);
    }
}
