namespace Overlay.Testing;

/// <summary>Thrown by a probe when waiting longer cannot help (e.g. the process it waits on has
/// exited): <see cref="Poll"/> ends at once and lets it through instead of probing on.</summary>
public class PollAbortedException(string message) : Exception(message);
