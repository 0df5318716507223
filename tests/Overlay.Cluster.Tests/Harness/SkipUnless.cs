namespace Overlay.Cluster.Tests.Harness;

/// <summary>A fact that needs PostgreSQL: skipped (with the reason) when OVERLAY_TEST_POSTGRES is
/// unset outside CI; in CI the test runs and fails loudly if the server is missing.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    /// <summary>Decides skip at discovery time.</summary>
    public PostgresFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true"
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OVERLAY_TEST_POSTGRES")))
            Skip = "needs PostgreSQL: set OVERLAY_TEST_POSTGRES (scripts/test.sh does)";
    }
}

/// <summary>A fact that needs a private PostgreSQL server (<see cref="PrivatePostgres"/>): skipped
/// with the reason outside CI; with CI=true it runs and fails loudly when it cannot.</summary>
public sealed class PrivatePostgresFactAttribute : FactAttribute
{
    /// <summary>Decides skip at discovery time.</summary>
    public PrivatePostgresFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true" && PrivatePostgres.Unavailable() is { } reason)
            Skip = reason;
    }
}

/// <summary>A fact that mounts a tmpfs: needs root on Linux. Skipped with the reason outside CI;
/// with CI=true it runs (and fails loudly without root).</summary>
public sealed class RootMountFactAttribute : FactAttribute
{
    /// <summary>Decides skip at discovery time.</summary>
    public RootMountFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true" && (!OperatingSystem.IsLinux() || Environment.UserName != "root"))
            Skip = "needs root to mount a small tmpfs";
    }
}
