using Akka.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Serialization;

/// <summary>
/// HOCON that binds <see cref="IOverlayMessage"/> to <see cref="OverlaySerializer"/> and turns on
/// strict serialization (no type may fall back to the default JSON serializer). For actor systems
/// built without Akka.Hosting (tests); the processes register the same through the hosting builder.
/// </summary>
public static class OverlaySerializationConfig
{
    /// <summary>The binding, as a config to put in front of others.</summary>
    public static Config Hocon => ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.overlay = "{{typeof(OverlaySerializer).AssemblyQualifiedName}}"
          serialization-bindings { "{{typeof(IOverlayMessage).AssemblyQualifiedName}}" = overlay }
          serialization-identifiers { "{{typeof(OverlaySerializer).AssemblyQualifiedName}}" = {{OverlaySerializer.SerializerId}} }
          serialization-settings.allow-unregistered-types = false
        }
        """);
}
