using Microsoft.Extensions.Hosting;

namespace Overlay.Node.Agent;

/// <summary>The lifetime of a control-plane incarnation's inner host: it listens to no signal (the
/// default console lifetime would end the incarnation on SIGTERM behind the supervisor's back).</summary>
public sealed class InertHostLifetime : IHostLifetime
{
    /// <inheritdoc />
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
