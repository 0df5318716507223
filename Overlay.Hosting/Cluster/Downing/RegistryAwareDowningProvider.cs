using Akka.Actor;
using Akka.Cluster;

namespace Overlay.Hosting.Cluster.Downing;

/// <summary>
/// The overlay cluster's downing provider (<c>akka.cluster.downing-provider-class</c> in
/// hocon/akka.hocon): runs <see cref="RegistryAwareDowningActor"/>, which applies
/// <see cref="RegistryAwareDowning"/>. It reads Akka's split-brain resolver keys it shares meaning
/// with: <c>split-brain-resolver.stable-after</c> and <c>split-brain-resolver.keep-oldest.down-if-alone</c>.
/// Every member of the cluster must run the same provider (seeds and nodes share the HOCON).
/// </summary>
public sealed class RegistryAwareDowningProvider : IDowningProvider
{
    private readonly Akka.Cluster.Cluster _cluster;

    private readonly TimeSpan _stableAfter;
    private readonly bool _downIfAlone;

    /// <summary>Created by Akka.Cluster through reflection.</summary>
    public RegistryAwareDowningProvider(ActorSystem system, Akka.Cluster.Cluster cluster)
    {
        ArgumentNullException.ThrowIfNull(system);
        ReachabilityTable.EnsureReadable();
        _cluster = cluster;
        var config = system.Settings.Config.GetConfig("akka.cluster.split-brain-resolver");
        _stableAfter = config.GetTimeSpan("stable-after", TimeSpan.FromSeconds(20));
        _downIfAlone = config.GetBoolean("keep-oldest.down-if-alone", true);
    }

    /// <inheritdoc />
    /// <remarks>As Akka's resolver without a down-removal-margin: stable-after. The singleton moves
    /// that long after a member was removed, so a downed registry host has stopped by then.</remarks>
    public TimeSpan DownRemovalMargin => _stableAfter;

    /// <inheritdoc />
    public Props DowningActorProps => Props.Create(() => new RegistryAwareDowningActor(_cluster, _stableAfter, _downIfAlone));
}
