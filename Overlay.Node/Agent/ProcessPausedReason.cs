using Akka.Actor;

namespace Overlay.Node.Agent;

/// <summary>Coordinated-shutdown reason: <see cref="PauseWatchdog"/> ended the incarnation because this
/// process did not run for longer than the cluster needs to down it. Only the incarnation ends.</summary>
public sealed class ProcessPausedReason(string description) : CoordinatedShutdown.Reason
{
    /// <inheritdoc />
    public override int ExitCode => 0;

    /// <inheritdoc />
    public override string ToString() => description;
}
