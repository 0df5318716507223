using System.Diagnostics;

namespace Overlay.Cluster.Tests.Harness;

/// <summary>Polling with a deadline: the tests' only way of waiting for something to happen.</summary>
public static class Poll
{
    /// <summary>Evaluates <paramref name="probe"/> every <paramref name="interval"/> until it returns
    /// a non-null value or <paramref name="timeout"/> passes; then throws with <paramref name="what"/>.</summary>
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
            catch (Exception ex)
            {
                last = ex;
            }
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
        throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#}s waiting for {what}" +
                                   (last is null ? "" : $"; last error: {last.Message}"), last);
    }

    /// <summary>Like <see cref="UntilAsync{T}"/> for a condition.</summary>
    public static Task UntilTrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null) =>
        UntilAsync<object>(async () => await condition() ? new object() : null, timeout, what, interval);

    /// <summary>Like <see cref="UntilTrueAsync"/> for a synchronous condition.</summary>
    public static Task UntilTrueAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilTrueAsync(() => Task.FromResult(condition()), timeout, what);
}
