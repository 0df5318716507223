using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Overlay.Actors.Leases;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Storage;

namespace Overlay.Hosting.Registry;

/// <summary>Runs the lease registry singleton (with its SQL journal) or reaches it through a proxy.</summary>
public static class RegistryHosting
{
    /// <summary>The singleton's name; the proxy is registered under <see cref="LeaseRegistryActor"/>.</summary>
    public const string SingletonName = "lease-registry";

    private static ClusterSingletonOptions SingletonOptions => new() { Role = ClusterRoles.Registry };

    /// <summary>Hosts the registry singleton on members with the "registry" role, over
    /// <paramref name="storage"/>; tables are created on first use. The singleton is a
    /// <see cref="RegistrySupervisor"/> that restarts the registry with backoff when storage fails
    /// and reports the storage status to <paramref name="health"/> (readiness, metrics).</summary>
    public static AkkaConfigurationBuilder WithLeaseRegistry(this AkkaConfigurationBuilder builder,
        RegistrySettings settings, StorageSettings storage, RegistryHealth? health = null)
    {
        health ??= new RegistryHealth();
        storage.Prepare();
        RegistryWarmUp.StartStorage(storage);
        builder
            .WithSqlPersistence(connectionString: storage.ConnectionString, providerName: storage.Linq2DbProviderName,
                autoInitialize: true)
            .WithSingleton<LeaseRegistryActor>(SingletonName,
                RegistrySupervisor.Props(fullReplay => LeaseRegistryActor.Props(settings, fullReplay: fullReplay), health),
                SingletonOptions, createProxyToo: true)
            // Plugins, queries and rebuild code ready before the singleton recovers, so recovery does not wait for them.
            .AddStartup((system, _) => RegistryWarmUp.Start(system));
        return builder;
    }

    /// <summary>Reaches the registry singleton from a member that does not host it.</summary>
    public static AkkaConfigurationBuilder WithLeaseRegistryProxy(this AkkaConfigurationBuilder builder) =>
        builder.WithSingletonProxy<LeaseRegistryActor>(SingletonName, SingletonOptions);
}
