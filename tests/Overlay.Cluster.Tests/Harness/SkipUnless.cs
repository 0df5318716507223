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
