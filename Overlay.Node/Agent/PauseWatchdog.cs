using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Node.Dataplane;

namespace Overlay.Node.Agent;

/// <summary>
/// Notices that this process did not run for <see cref="ControlPlaneConstants.PauseWithdrawAfter"/> or
/// longer (SIGSTOP then SIGCONT, a paused VM) and acts before anything else of the node has caught up:
/// the data path withdraws its subnet (no address on the device, no subnet.env; the pumps and the
/// peer table stay) and the control-plane incarnation, which the cluster has most likely downed
/// meanwhile, is ended so a fresh one asks the registry for the subnet at once. The grant serves the
/// subnet again; a registry that leased it to another node meanwhile makes the node exit (event 57).
/// Why: the registry may rightly have given the subnet to a newcomer after the grace, and a node that
/// resumed on it would put two hosts on one subnet for the seconds its actor system needs to learn
/// that it was downed (13 s in F4). The watchdog runs for the life of the process on its own timer,
/// independent of the actor system.
/// </summary>
public sealed partial class PauseWatchdog(
    OverlayDataplane dataplane,
    ControlPlaneSupervisor controlPlane,
    ILogger<PauseWatchdog> logger,
    TimeProvider? clock = null,
    TimeSpan? interval = null,
    TimeSpan? threshold = null) : BackgroundService
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly TimeSpan _interval = interval ?? ControlPlaneConstants.PauseCheckInterval;
    private readonly TimeSpan _threshold = threshold ?? ControlPlaneConstants.PauseWithdrawAfter;

    private long _pauses;

    /// <summary>Pauses seen since the process started.</summary>
    public long Pauses => Interlocked.Read(ref _pauses);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var detector = new PauseDetector(_clock.GetTimestamp(), _clock.TimestampFrequency, _threshold);
        using var timer = new PeriodicTimer(_interval, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (detector.Observe(_clock.GetTimestamp()) is { } pause)
                    OnPause(pause);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    private void OnPause(TimeSpan pause)
    {
        Interlocked.Increment(ref _pauses);
        var reason = $"this process did not run for {pause.TotalSeconds:F1}s (stopped, or its host paused), long enough for the cluster to down it " +
                     "and the registry to give its subnet away";
        LogPaused(logger, pause.TotalSeconds, _threshold.TotalSeconds, dataplane.ServedSubnet?.ToString() ?? "(none)");
        dataplane.Withdraw(reason);
        controlPlane.EndIncarnation(reason);
    }

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning,
        Message = "this process did not run for {PauseSeconds:F1}s (at least {ThresholdSeconds}s: the cluster may have downed it): withdrawing subnet {Subnet} and rejoining until the registry confirms the lease")]
    private static partial void LogPaused(ILogger logger, double pauseSeconds, double thresholdSeconds, string subnet);
}
