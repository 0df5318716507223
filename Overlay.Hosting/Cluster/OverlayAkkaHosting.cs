using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Overlay.Actors.Leases;
using Overlay.Actors.Serialization;

namespace Overlay.Hosting.Cluster;

/// <summary>Akka wiring both processes share: remoting, clustering, pub-sub, the serializer,
/// logging through Microsoft.Extensions.Logging, and the Akka health checks.</summary>
public static class OverlayAkkaHosting
{
    /// <summary>The shared Akka tuning file, copied beside the binaries.</summary>
    public static string HoconPath => Path.Combine(AppContext.BaseDirectory, "hocon", "akka.hocon");

    /// <summary>Configures this actor system as a member of the overlay cluster.</summary>
    public static AkkaConfigurationBuilder WithOverlayCluster(this AkkaConfigurationBuilder builder, ClusterSettings settings)
    {
        builder
            .AddHoconFile(HoconPath, HoconAddMode.Prepend)
            .WithRemoting(new RemoteOptions
            {
                HostName = settings.BindHost,
                PublicHostName = settings.AdvertisedHost,
                Port = settings.Port,
            })
            .WithClustering(new ClusterOptions
            {
                Roles = settings.Roles.ToArray(),
                SeedNodes = settings.Seeds.ToArray(),
            })
            .WithDistributedPubSub("")
            .WithCustomSerializer("overlay", [typeof(IOverlayMessage)], system => new OverlaySerializer(system))
            .WithStrictSerialization()
            .ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            })
            .WithActorSystemLivenessCheck()
            .WithAkkaClusterReadinessCheck();
        return builder;
    }
}
