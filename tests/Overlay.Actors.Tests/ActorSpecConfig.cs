using Akka.Configuration;
using Overlay.Actors.Serialization;

namespace Overlay.Actors.Tests;

/// <summary>Config for actor specs of actors that use cluster tools (pub-sub): a cluster provider
/// on a free loopback port (never joined), and the project's serializer in strict mode.</summary>
internal static class ActorSpecConfig
{
    public static readonly Config Cluster = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.loglevel = WARNING
        """).WithFallback(OverlaySerializationConfig.Hocon);
}
