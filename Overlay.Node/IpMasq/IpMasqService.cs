using Akka.Actor;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Actors.Node;
using Overlay.Node.Agent;

namespace Overlay.Node.IpMasq;

/// <summary>
/// Keeps the --ip-masq rules in place, as flanneld does: once the node holds a lease it installs
/// <see cref="IpMasqRules"/> for the network and its subnet with iptables-restore --noflush, then
/// every resync interval checks each rule with iptables -C and reinstalls the whole set when one is
/// missing or the lease moved to another subnet. On a clean stop it removes the jumps and both
/// chains. Also the readiness check "masquerading in place" (healthy at once without --ip-masq).
/// Thread-safety: one loop does all iptables work; the health check reads one volatile field.
/// </summary>
public sealed partial class IpMasqService(
    INodeControlPlane controlPlane, Iptables iptables, TimeSpan resync, ILogger<IpMasqService> logger)
    : BackgroundService, IHealthCheck
{
    private IpMasqRules? _installed;
    private bool? _randomFully;

    /// <summary>The rule set currently installed, or null.</summary>
    public IpMasqRules? Installed => Volatile.Read(ref _installed);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SyncAsync(stoppingToken);
            }
            catch (IptablesException ex)
            {
                LogSyncFailed(logger, ex.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            try
            {
                await Task.Delay(Installed is null ? IpMasqConstants.WaitForLeaseInterval : resync, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (Installed is not { } rules)
            return;
        try
        {
            await RemoveAsync(iptables, rules, cancellationToken);
            Volatile.Write(ref _installed, null);
            LogRemoved(logger, IpMasqConstants.NatChain, IpMasqConstants.ForwardChain);
        }
        catch (IptablesException ex)
        {
            LogRemoveFailed(logger, ex.Message);
        }
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Installed is { } rules
            ? HealthCheckResult.Healthy($"masquerading {rules.Network} except {rules.PodSubnet}")
            : HealthCheckResult.Unhealthy("--ip-masq: rules not installed yet (no lease, or iptables failed: see the log)"));

    /// <summary>Removes the jumps and both chains of <paramref name="rules"/>.</summary>
    public static async Task RemoveAsync(Iptables iptables, IpMasqRules rules, CancellationToken cancellation)
    {
        await iptables.DeleteAllAsync(rules.NatJump, cancellation);
        await iptables.DeleteAllAsync(rules.ForwardJump, cancellation);
        await iptables.DeleteChainAsync("nat", IpMasqConstants.NatChain, cancellation);
        await iptables.DeleteChainAsync("filter", IpMasqConstants.ForwardChain, cancellation);
    }

    private async Task SyncAsync(CancellationToken cancellation)
    {
        NodeStatus status;
        try
        {
            if (controlPlane.Current.Agent is not { } actor)
                return; // rejoining: the installed rules stay; checked again on the next round
            status = await actor.Ask<NodeStatus>(GetNodeStatus.Instance, IpMasqConstants.StatusTimeout, cancellation);
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException)
        {
            LogNoStatus(logger, IpMasqConstants.StatusTimeout.TotalSeconds, ex.Message);
            return;
        }
        if (status.Lease is not { } lease || status.Network is not { } network)
            return;
        _randomFully ??= await iptables.VersionAsync(cancellation) >= IpMasqConstants.RandomFullyMinimum;
        var wanted = IpMasqRules.For(network.Network, lease.Subnet, _randomFully.Value);
        var current = Installed;
        if (current is not null && current.Network == wanted.Network && current.PodSubnet == wanted.PodSubnet
            && await AllPresentAsync(wanted, cancellation))
            return;
        var natJump = await iptables.ExistsAsync(wanted.NatJump, cancellation);
        var forwardJump = await iptables.ExistsAsync(wanted.ForwardJump, cancellation);
        await iptables.RestoreAsync(wanted.ToRestoreInput(!natJump, !forwardJump), cancellation);
        Volatile.Write(ref _installed, wanted);
        if (current is null)
            LogInstalled(logger, IpMasqConstants.NatChain, IpMasqConstants.ForwardChain, wanted.Network.ToString(), wanted.PodSubnet.ToString(), wanted.RandomFully);
        else
            LogRestored(logger, wanted.Network.ToString(), wanted.PodSubnet.ToString());
    }

    private async Task<bool> AllPresentAsync(IpMasqRules rules, CancellationToken cancellation)
    {
        foreach (var rule in rules.All)
        {
            if (!await iptables.ExistsAsync(rule, cancellation))
                return false;
        }
        return true;
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information,
        Message = "ip-masq: installed nat chain {NatChain} and filter chain {ForwardChain} for network {Network}, pod subnet {PodSubnet} (random-fully {RandomFully})")]
    private static partial void LogInstalled(ILogger logger, string natChain, string forwardChain, string network, string podSubnet, bool randomFully);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning,
        Message = "ip-masq: a rule was missing or the subnet changed; reinstalled the rules for network {Network}, pod subnet {PodSubnet}")]
    private static partial void LogRestored(ILogger logger, string network, string podSubnet);

    [LoggerMessage(EventId = 42, Level = LogLevel.Error, Message = "ip-masq: {Error}")]
    private static partial void LogSyncFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 43, Level = LogLevel.Information, Message = "ip-masq: removed chains {NatChain} and {ForwardChain} and their jumps")]
    private static partial void LogRemoved(ILogger logger, string natChain, string forwardChain);

    [LoggerMessage(EventId = 44, Level = LogLevel.Error, Message = "ip-masq: removing the rules failed: {Error}")]
    private static partial void LogRemoveFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 45, Level = LogLevel.Warning,
        Message = "ip-masq: no status from the node actor within {Seconds}s ({Reason}); looking again")]
    private static partial void LogNoStatus(ILogger logger, double seconds, string reason);
}
