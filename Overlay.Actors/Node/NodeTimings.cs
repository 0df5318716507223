namespace Overlay.Actors.Node;

/// <summary>How often the node agent repeats itself.</summary>
/// <param name="RetryInterval">How often an unanswered lease request or renewal is repeated, and how
/// long a failed data path start waits before the next attempt.</param>
/// <param name="ResyncInterval">How often the lease view is checked against the registry.</param>
public sealed record NodeTimings(TimeSpan RetryInterval, TimeSpan ResyncInterval);
