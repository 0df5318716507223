using System.Runtime.InteropServices;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// CPU time of the calling thread (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)). The bench
/// machine is shared, so wall time includes waiting for a core; CPU time shows the work itself.
/// </summary>
public static partial class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>The calling thread's CPU time so far.</summary>
    public static TimeSpan Now()
    {
        if (clock_gettime(ClockThreadCpuTimeId, out var ts) != 0)
            throw new InvalidOperationException($"clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: errno {Marshal.GetLastPInvokeError()}");
        return TimeSpan.FromTicks(ts.Seconds * TimeSpan.TicksPerSecond + ts.Nanoseconds / 100);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clockId, out Timespec ts);
}
