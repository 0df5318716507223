using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Overlay.Actors.Leases;
using Overlay.Actors.Serialization;
using Overlay.Hosting.Cluster.Tls;

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
            .WithRemoting(RemoteOptionsOf(settings))
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

    /// <summary>
    /// Remoting on <see cref="ClusterSettings.BindHost"/>, and with <see cref="ClusterSettings.Tls"/>
    /// mutual TLS: every connection, inbound and outbound, presents this member's certificate and
    /// requires the peer's, checked by <see cref="ClusterCertificateValidator"/> against the cluster
    /// CA only. RequireMutualAuthentication is set explicitly (it is Akka's default since 1.5.52):
    /// without it the server never asks for a client certificate, which is CVE-2025-61778
    /// (Akka.NET up to 1.5.51 let any TLS client join). Host names are not validated: members
    /// connect by IP and a member's certificate is a member's wherever it runs.
    /// </summary>
    public static RemoteOptions RemoteOptionsOf(ClusterSettings settings)
    {
        var options = new RemoteOptions
        {
            HostName = settings.BindHost,
            PublicHostName = settings.AdvertisedHost,
            Port = settings.Port,
        };
        if (settings.Tls is { } tls)
        {
            options.EnableSsl = true;
            options.Ssl = new SslOptions
            {
                X509Certificate = tls.Certificate,
                SuppressValidation = false,
                RequireMutualAuthentication = true,
                ValidateCertificateHostname = false,
                CustomValidator = ClusterCertificateValidator.Callback(tls.Authority),
            };
        }
        return options;
    }
}
