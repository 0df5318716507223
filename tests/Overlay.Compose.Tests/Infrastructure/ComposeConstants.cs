namespace Overlay.Compose.Tests.Infrastructure;

/// <summary>Time limits of the compose smoke run, in one place.</summary>
public static class ComposeConstants
{
    /// <summary>The whole lab/compose-smoke.sh run: image builds (a first debootstrap takes a few
    /// minutes, a publish of both apps a few more on a busy machine) plus both scenarios (~3-6 min).
    /// With <see cref="CleanupGrace"/> it stays below scripts/test.sh's 40-minute session limit.</summary>
    public static readonly TimeSpan SmokeTimeout = TimeSpan.FromMinutes(25);

    /// <summary>Between SIGTERM (from timeout(1)) and SIGKILL: the script's trap runs
    /// `compose down -v` for each project (stop grace 40 s per container) and stops dockerd.</summary>
    public static readonly TimeSpan CleanupGrace = TimeSpan.FromMinutes(4);

    /// <summary>How long `docker info` may take when probing for a running daemon.</summary>
    public static readonly TimeSpan DockerProbeTimeout = TimeSpan.FromSeconds(15);
}
