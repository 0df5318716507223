using System.Diagnostics;

namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Polling with a deadline: the only way these tests wait for the system under test.
/// </summary>
public static class Poll
{
    /// <summary>
    /// Calls <paramref name="probe"/> until it reports success or <paramref name="timeout"/> passes,
    /// and returns the time it took. The probe returns null when the condition holds, otherwise a
    /// description of what it saw, which the <see cref="TimeoutException"/> quotes. A probe that
    /// throws counts as "not yet", except a <see cref="ProcessExitedException"/>, which ends the poll.
    /// </summary>
    public static async Task<TimeSpan> UntilAsync(string what, TimeSpan timeout, Func<Task<string?>> probe)
    {
        var clock = Stopwatch.StartNew();
        string? last = "(never probed)";
        while (true)
        {
            try
            {
                last = await probe();
            }
            catch (Exception e) when (e is not ProcessExitedException)
            {
                // A failing probe (refused connection, bad JSON, non-200) is a state, not the end.
                last = $"{e.GetType().Name}: {e.Message}";
            }

            if (last is null)
            {
                return clock.Elapsed;
            }

            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds:F0}s; last seen: {last}");
            }

            // The interval between probes of a bounded poll, not a synchronisation sleep.
            await Task.Delay(EndToEndConstants.PollInterval);
        }
    }
}
