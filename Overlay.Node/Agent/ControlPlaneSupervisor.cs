using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Actors.Node;
using Overlay.Hosting.Cluster;

namespace Overlay.Node.Agent;

/// <summary>
/// Runs overlay-node's control plane, one actor-system incarnation at a time, while the data path
/// (an <see cref="Dataplane.OverlayDataplane"/> singleton of the outer host) keeps forwarding on its
/// last table. When an incarnation ends for any reason but our own shutdown (downed, quarantined,
/// self-downed by the split-brain resolver, an island without a registry, a crash) it logs that
/// loudly and starts a fresh one after a backoff (<see cref="ControlPlaneConstants"/>); the new node
/// actor re-acquires the served subnet and reconciles the routes without flushing them.
/// <para>
/// Each incarnation is its own inner <see cref="IHost"/> built with Akka.Hosting's AddAkka, exactly
/// as the process wired its one actor system before. Why an inner host and not an ActorSystem made
/// here: the wiring (remoting, cluster, pub-sub, serializer, logging, singleton proxy, the actor
/// registry the node actor is found through) stays the one <c>AkkaConfigurationBuilder</c> chain the
/// seed and the tests use; and Akka.Hosting's hosted service stops the host whose actor system
/// terminated, which is now the inner host only, never the process.
/// </para>
/// Our own shutdown (SIGTERM) ends the current incarnation with a cluster leave; the outer host
/// then stops the data path. A <see cref="DataPathSubnetConflict"/> stops the process with
/// <see cref="ControlPlaneConstants.SubnetConflictExitCode"/>. Thread-safety: one loop owns the
/// incarnations; the state readers see one volatile snapshot.
/// </summary>
public sealed partial class ControlPlaneSupervisor : BackgroundService, INodeControlPlane
{
    private readonly Func<int, IHost> _buildIncarnation;
    private readonly TimeSpan _registryLostAfter;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<ControlPlaneSupervisor> _logger;
    private readonly TimeProvider _clock;
    private readonly Func<int> _routeCount;
    private readonly TimeSpan _initialBackoff;
    private Snapshot _snapshot;
    private long _restarts;
    private int _exitCode;
    private string? _lastEndReason;
    // The actor system of the incarnation being run (null between incarnations), for EndIncarnation.
    private ActorSystem? _system;
    // 1 when EndIncarnation ended the current incarnation: the restart after it is not the
    // incarnation's fault and waits only the initial backoff.
    private int _endRequested;

    /// <summary>
    /// <paramref name="buildIncarnation"/> builds (does not start) the inner host of incarnation n; it
    /// must register the node actor in the actor registry. <paramref name="routeCount"/> is for the
    /// log line (routes the data path keeps). <paramref name="initialBackoff"/> overrides
    /// <see cref="ControlPlaneConstants.InitialBackoff"/> (tests).
    /// </summary>
    public ControlPlaneSupervisor(Func<int, IHost> buildIncarnation, TimeSpan registryLostAfter, IHostApplicationLifetime lifetime,
        ILogger<ControlPlaneSupervisor> logger, Func<int> routeCount, TimeProvider? clock = null, TimeSpan? initialBackoff = null)
    {
        _buildIncarnation = buildIncarnation;
        _registryLostAfter = registryLostAfter;
        _lifetime = lifetime;
        _logger = logger;
        _routeCount = routeCount;
        _clock = clock ?? TimeProvider.System;
        _initialBackoff = initialBackoff ?? ControlPlaneConstants.InitialBackoff;
        _snapshot = new Snapshot(ControlPlaneState.Down("control plane starting (incarnation 1)"), 1, false, _clock.GetUtcNow());
    }

    /// <summary>The process's exit code: 0, or <see cref="ControlPlaneConstants.SubnetConflictExitCode"/>.</summary>
    public int ExitCode => Volatile.Read(ref _exitCode);

    /// <summary>Why the last replaced incarnation ended, or null before the first restart.</summary>
    public string? LastEndReason => Volatile.Read(ref _lastEndReason);

    /// <inheritdoc />
    public ControlPlaneState Current => Volatile.Read(ref _snapshot).State;

    /// <inheritdoc />
    public int Incarnation => Volatile.Read(ref _snapshot).Incarnation;

    /// <inheritdoc />
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <inheritdoc />
    public bool IsUp => Volatile.Read(ref _snapshot).Up;

    /// <inheritdoc />
    public DateTimeOffset Since => Volatile.Read(ref _snapshot).Since;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = _initialBackoff;
        for (var number = 1; !stoppingToken.IsCancellationRequested; number++)
        {
            var started = _clock.GetUtcNow();
            var (reason, upSince) = await RunIncarnationAsync(number, stoppingToken);
            if (stoppingToken.IsCancellationRequested || ExitCode != 0)
                return;

            var ended = _clock.GetUtcNow();
            var requested = Interlocked.Exchange(ref _endRequested, 0) == 1;
            if (requested || upSince is { } up && ended - up >= ControlPlaneConstants.StableAfter)
                backoff = _initialBackoff;
            Interlocked.Increment(ref _restarts);
            Volatile.Write(ref _lastEndReason, reason);
            Publish(ControlPlaneState.Down($"control plane rejoining (incarnation {number + 1}, since {ended:u}; incarnation {number} ended: {reason})"),
                number + 1, false, ended);
            LogIncarnationEnded(_logger, number, reason, ended - started, _routeCount(), number + 1, backoff.TotalSeconds);
            try
            {
                await Task.Delay(backoff, _clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, ControlPlaneConstants.MaxBackoff.Ticks));
        }
    }

    /// <summary>Starts incarnation <paramref name="number"/> and waits until it ends; on
    /// <paramref name="stoppingToken"/> ends it with a cluster leave. Returns why it ended and when it
    /// was last Up (null: never).</summary>
    private async Task<(string Reason, DateTimeOffset? UpSince)> RunIncarnationAsync(int number, CancellationToken stoppingToken)
    {
        IHost? host = null;
        DateTimeOffset? upSince = null;
        try
        {
            host = _buildIncarnation(number);
            await host.StartAsync(stoppingToken);
            var system = host.Services.GetRequiredService<ActorSystem>();
            Volatile.Write(ref _system, system);
            var shutdown = CoordinatedShutdown.Get(system);
            var node = await host.Services.GetRequiredService<IRequiredActor<NodeActor>>()
                .ResolveAsync(ControlPlaneConstants.AgentStartTimeout, stoppingToken);
            system.ActorOf(ControlPlaneWatcher.Props(_registryLostAfter, OnConflict, _clock, OnTaken), "control-plane-watcher");
            var cluster = Akka.Cluster.Cluster.Get(system);
            var sinceJoin = _clock.GetUtcNow();
            Publish(ControlPlaneState.Down($"control plane joining (incarnation {number}, since {sinceJoin:u})"), number, false, sinceJoin);
            cluster.RegisterOnMemberUp(() =>
            {
                upSince = _clock.GetUtcNow();
                if (PublishIfCurrent(number, new ControlPlaneState(system, node, null), true, upSince.Value))
                    LogIncarnationUp(_logger, number, cluster.SelfAddress.ToString());
            });
            cluster.RegisterOnMemberRemoved(() =>
                PublishIfCurrent(number, ControlPlaneState.Down($"control plane removed from the cluster (incarnation {number})"), false,
                    _clock.GetUtcNow()));

            await Task.WhenAny(system.WhenTerminated, Task.Delay(Timeout.Infinite, stoppingToken));
            if (stoppingToken.IsCancellationRequested)
                return ("stopping", upSince);
            return (Describe(shutdown.ShutdownReason), upSince);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return ("stopping", upSince);
        }
        catch (Exception ex)
        {
            return ($"it failed: {ex.GetType().Name}: {ex.Message}", upSince);
        }
        finally
        {
            Volatile.Write(ref _system, null);
            if (host is not null)
                await StopHostAsync(host);
        }
    }

    /// <summary>
    /// Ends the running incarnation now, without a cluster leave (the cluster has most likely downed
    /// this member already; a leave would wait for answers that do not come), so that the next one
    /// starts after the initial backoff. For <see cref="PauseWatchdog"/>. No-op between incarnations
    /// (the next one starts fresh anyway). Safe from any thread.
    /// </summary>
    public void EndIncarnation(string reason)
    {
        if (Volatile.Read(ref _system) is not { } system)
            return;
        Interlocked.Exchange(ref _endRequested, 1);
        _ = CoordinatedShutdown.Get(system).Run(new ProcessPausedReason(reason), CoordinatedShutdown.PhaseClusterShutdown);
    }

    /// <summary>Stops an inner host: a coordinated shutdown (cluster leave) if its system still runs.</summary>
    private async Task StopHostAsync(IHost host)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ControlPlaneConstants.StopTimeout);
            await host.StopAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            LogStopFailed(_logger, ex.Message);
        }
        finally
        {
            host.Dispose();
        }
    }

    private void OnConflict(DataPathSubnetConflict conflict)
    {
        if (Interlocked.CompareExchange(ref _exitCode, ControlPlaneConstants.SubnetConflictExitCode, 0) != 0)
            return;
        LogSubnetConflict(_logger, conflict.Served.ToString(), conflict.Granted.ToString(), ControlPlaneConstants.SubnetConflictExitCode);
        _lifetime.StopApplication();
    }

    private void OnTaken(DataPathSubnetTaken taken)
    {
        if (Interlocked.CompareExchange(ref _exitCode, ControlPlaneConstants.SubnetConflictExitCode, 0) != 0)
            return;
        LogSubnetTaken(_logger, taken.Served.ToString(), taken.Holder, taken.HolderPublicIp, ControlPlaneConstants.SubnetConflictExitCode);
        _lifetime.StopApplication();
    }

    private void Publish(ControlPlaneState state, int incarnation, bool up, DateTimeOffset since) =>
        Volatile.Write(ref _snapshot, new Snapshot(state, incarnation, up, since));

    /// <summary>For the cluster callbacks, which run on Akka's threads: a late callback of an
    /// incarnation that was already replaced must not overwrite its successor's state.</summary>
    private bool PublishIfCurrent(int incarnation, ControlPlaneState state, bool up, DateTimeOffset since)
    {
        while (true)
        {
            var current = Volatile.Read(ref _snapshot);
            if (current.Incarnation != incarnation)
                return false;
            if (ReferenceEquals(Interlocked.CompareExchange(ref _snapshot, new Snapshot(state, incarnation, up, since), current), current))
                return true;
        }
    }

    private static string Describe(CoordinatedShutdown.Reason? reason) => reason switch
    {
        null => "its actor system terminated",
        CoordinatedShutdown.ClusterDowningReason => "this member was downed (by the cluster, the split-brain resolver or a quarantine)",
        CoordinatedShutdown.ClusterLeavingReason => "this member was removed from the cluster",
        CoordinatedShutdown.ClusterJoinUnsuccessfulReason => "joining the seeds failed",
        _ => reason.ToString() ?? reason.GetType().Name,
    };

    private sealed record Snapshot(ControlPlaneState State, int Incarnation, bool Up, DateTimeOffset Since);

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning,
        Message = "control plane incarnation {Incarnation} ended: {Reason} (after {Lifetime}); the data path keeps forwarding on its last table ({Routes} routes); starting incarnation {Next} in {BackoffSeconds}s")]
    private static partial void LogIncarnationEnded(ILogger logger, int incarnation, string reason, TimeSpan lifetime, int routes, int next, double backoffSeconds);

    [LoggerMessage(EventId = 51, Level = LogLevel.Information, Message = "control plane incarnation {Incarnation} is Up as {Address}")]
    private static partial void LogIncarnationUp(ILogger logger, int incarnation, string address);

    [LoggerMessage(EventId = 52, Level = LogLevel.Critical,
        Message = "the registry granted subnet {Granted} but the running data path serves {Served}: pods on this host have addresses in {Served}; refusing to move them silently, exiting with code {ExitCode} (the service manager restarts overlay-node, which then serves the new lease)")]
    private static partial void LogSubnetConflict(ILogger logger, string served, string granted, int exitCode);

    [LoggerMessage(EventId = 57, Level = LogLevel.Critical,
        Message = "the registry has leased subnet {Served}, which the running data path serves, to {Holder} ({HolderPublicIp}) while this node was away, and has no lease for this node: pods on this host have addresses in {Served}; not serving them beside {Holder}, exiting with code {ExitCode}")]
    private static partial void LogSubnetTaken(ILogger logger, string served, string holder, string holderPublicIp, int exitCode);

    [LoggerMessage(EventId = 53, Level = LogLevel.Warning, Message = "stopping a control plane incarnation failed: {Reason}")]
    private static partial void LogStopFailed(ILogger logger, string reason);
}
