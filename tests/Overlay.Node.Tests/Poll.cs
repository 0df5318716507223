namespace Overlay.Node.Tests;

/// <summary>Waits for a condition with a deadline (the house rule: poll, never sleep to synchronise).</summary>
internal static class Poll
{
    public static void Until(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("condition not reached in time");
            Thread.Yield();
        }
    }
}
