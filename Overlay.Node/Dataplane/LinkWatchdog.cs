using Microsoft.Extensions.Hosting;

namespace Overlay.Node.Dataplane;

/// <summary>
/// Runs <see cref="OverlayDataplane.CheckLink"/> every <see cref="DataplaneConstants.LinkCheckInterval"/>
/// for the life of the process, so a link set down or a route deleted under a running node is put
/// back within about a second (flannel and nebula users expect the agent to own its link). Runs in
/// the process's network namespace (the node's); CheckLink never throws for a kernel refusal.
/// </summary>
public sealed class LinkWatchdog(OverlayDataplane dataplane, TimeSpan interval) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                dataplane.CheckLink();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }
}
