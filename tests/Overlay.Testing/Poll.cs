using System.Diagnostics;

namespace Overlay.Testing;

/// <summary>
/// Polling with a deadline: the only way the tests wait for something to happen (never a sleep as
/// synchronisation). The delay between probes of a bounded poll is not a synchronisation sleep.
/// </summary>
public static class Poll
{
    /// <summary>The default delay between probes of the asynchronous polls.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The default delay between probes that describe what they saw (they usually run a
    /// command or an HTTP request against a process under test, so they probe less often).</summary>
    public static readonly TimeSpan DescribingInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Spins (yielding) until <paramref name="condition"/> holds; throws
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> when <paramref name="timeout"/> passes.
    /// For conditions another thread makes true within microseconds to milliseconds.</summary>
    public static void Until(Func<bool> condition, TimeSpan timeout, string what = "condition")
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{what} not reached within {timeout.TotalSeconds:0.#}s");
            Thread.Yield();
        }
    }

    /// <summary>Evaluates <paramref name="probe"/> every <paramref name="interval"/> until it returns
    /// a non-null value or <paramref name="timeout"/> passes; then throws with <paramref name="what"/>
    /// and the last error the probe threw.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what,
        TimeSpan? interval = null) where T : class
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                var value = await probe();
                if (value is not null)
                    return value;
            }
            catch (Exception ex) when (ex is not PollAbortedException)
            {
                last = ex;
            }
            await Task.Delay(interval ?? DefaultInterval);
        }
        throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#}s waiting for {what}" +
                                   (last is null ? "" : $"; last error: {last.Message}"), last);
    }

    /// <summary>Like <see cref="UntilAsync{T}"/> for a condition.</summary>
    public static Task UntilTrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null) =>
        UntilAsync<object>(async () => await condition() ? new object() : null, timeout, what, interval);

    /// <summary>Like <see cref="UntilTrueAsync(Func{Task{bool}}, TimeSpan, string, TimeSpan?)"/> for a synchronous condition.</summary>
    public static Task UntilTrueAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilTrueAsync(() => Task.FromResult(condition()), timeout, what);

    /// <summary>
    /// Calls <paramref name="probe"/> until it reports success or <paramref name="timeout"/> passes,
    /// and returns the time it took. The probe returns null when the condition holds, otherwise a
    /// description of what it saw, which the <see cref="TimeoutException"/> quotes. A probe that
    /// throws counts as "not yet", except a <see cref="PollAbortedException"/>, which ends the poll.
    /// </summary>
    public static async Task<TimeSpan> UntilAsync(string what, TimeSpan timeout, Func<Task<string?>> probe,
        TimeSpan? interval = null)
    {
        var clock = Stopwatch.StartNew();
        string? last;
        while (true)
        {
            try
            {
                last = await probe();
            }
            catch (Exception e) when (e is not PollAbortedException)
            {
                // A failing probe (refused connection, bad JSON, non-200) is a state, not the end.
                last = $"{e.GetType().Name}: {e.Message}";
            }
            if (last is null)
                return clock.Elapsed;
            if (clock.Elapsed >= timeout)
                throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds:F0}s; last seen: {last}");
            await Task.Delay(interval ?? DescribingInterval);
        }
    }
}
