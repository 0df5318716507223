namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>A process the test waits on has exited: waiting longer cannot help, so polls stop at once.</summary>
public sealed class ProcessExitedException(string message) : PollAbortedException(message);
