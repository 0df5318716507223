namespace Overlay.Node.Tests;

/// <summary>
/// Measures what a piece of work allocates on the calling thread, without counting the runtime's own
/// one-off work. Why this exists: an exact-zero check around one measured window flaked once under heavy
/// machine load (OffloadPumpTests). It did not recur here in 20 runs at load 20 on 2 cores, nor with the
/// tiering knobs (TC_CallCountingDelayMs 0 or 60000, TC_AggressiveTiering, TieredPGO=0, an OSR counter of
/// 1), so the cause is not proven. The likely one: tier-1 promotion is call-count and time based (a
/// 100 ms call-counting delay that restarts while tier-0 code runs), so on a loaded machine a promotion
/// can land inside a 200-iteration warm-up's following window and charge the measuring thread once
/// (BenchmarkDotNet saw this: dotnet/BenchmarkDotNet#1542). Whatever the one-off event, it happens once;
/// an allocation per packet happens in every window. So the work is warmed up, then
/// measured in up to <c>windows</c> windows of the same size, and the smallest count is the result:
/// zero only when at least one whole window of <c>perWindow</c> iterations allocated nothing, which
/// per-packet allocation can never do. The detail names each window's bytes, methods the JIT compiled on
/// this thread and GCs, so a failure says what happened.
/// </summary>
internal static class AllocationProbe
{
    /// <summary>Calls <paramref name="run"/>(<paramref name="warmup"/>), then <paramref name="run"/>(<paramref name="perWindow"/>)
    /// per window until one allocates nothing or <paramref name="windows"/> were measured. Returns the fewest
    /// bytes one window allocated, the iterations run in all, and a description of every window.</summary>
    public static (long Minimum, long Iterations, string Detail) Measure(Action<int> run, int warmup, int perWindow, int windows = 5)
    {
        run(warmup);
        var iterations = (long)warmup;
        var minimum = long.MaxValue;
        var detail = new List<string>();
        for (var w = 0; w < windows && minimum != 0; w++)
        {
            var jitted = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
            var gcs = GC.CollectionCount(0);
            var before = GC.GetAllocatedBytesForCurrentThread();
            run(perWindow);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            iterations += perWindow;
            detail.Add($"window {w}: {allocated} bytes, {System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) - jitted} methods jitted on this thread, {GC.CollectionCount(0) - gcs} gen0 GCs");
            minimum = Math.Min(minimum, allocated);
        }
        return (minimum, iterations, string.Join("; ", detail));
    }
}
