namespace Overlay.Faults.Tests.Harness;

/// <summary>How a row's lab is built.</summary>
public sealed record LabOptions
{
    /// <summary>Host namespaces (h1..hN); nodes start on the first <see cref="Nodes"/> of them.</summary>
    public int Hosts { get; init; } = 2;

    /// <summary>Nodes started with the lab, on h1..hN, each with a pod; more hosts stay free for
    /// nodes the row starts itself.</summary>
    public int Nodes { get; init; } = 2;

    /// <summary>The seeds' --lease-ttl.</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The seeds' --lease-grace (short, so that rows that wait for it finish in time).</summary>
    public TimeSpan LeaseGrace { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Keep the registry in a private PostgreSQL (inside the seed's namespace) instead of SQLite.</summary>
    public bool Postgres { get; init; }

    /// <summary>Run that PostgreSQL on a database host of its own (namespace db, 192.0.2.98)
    /// instead of inside the seed's namespace, so the link between them can be cut.</summary>
    public bool PostgresOwnHost { get; init; }

    /// <summary>A net-conf.json for the seed, or null for its embedded default (10.244.0.0/16, /24).</summary>
    public string? NetConf { get; init; }

    /// <summary>The subnet length of <see cref="NetConf"/> (24 for the default).</summary>
    public int SubnetLength { get; init; } = 24;

    /// <summary>Seeds: 1 (seed at 192.0.2.10) or 2 (also seed2 at 192.0.2.97, joined after the first,
    /// so the first is the oldest and hosts the registry). Both have the registry role and every
    /// process lists both in --seeds; two seeds need <see cref="Postgres"/> on its own host, since
    /// the registry singleton moves between them and both must see one journal.</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>Restart a seed that exits while the row wants it running, 2 s later, as systemd's
    /// Restart=always with RestartSec=2 (packaging/systemd/overlay-seed.service) does: a downed
    /// seed exits on purpose so that its supervisor starts it again.</summary>
    public bool SuperviseSeeds { get; init; }

    /// <summary>Put the seed's data directory on a tmpfs of this many MiB (mounted by the lab before the
    /// seed starts, unmounted at teardown), so a row can fill it (F17); null: an ordinary directory.</summary>
    public int? SeedDataTmpfsMiB { get; init; }
}
