using Overlay.Node.Agent;

namespace Overlay.Node.Tests;

/// <summary>When a node gives up a cluster without a registry member (island healing).</summary>
public sealed class RegistryAbsenceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_Up_member_without_a_registry_gives_up_only_after_the_limit()
    {
        var absence = new RegistryAbsence(TimeSpan.FromSeconds(20));
        Assert.False(absence.Observe(T0, selfUp: true, registryPresent: false));
        Assert.False(absence.Observe(T0.AddSeconds(19), selfUp: true, registryPresent: false));
        Assert.True(absence.Observe(T0.AddSeconds(20), selfUp: true, registryPresent: false));
        Assert.Equal(T0, absence.MissingSince);
    }

    [Fact]
    public void A_registry_seen_again_or_a_member_not_Up_starts_the_wait_over()
    {
        var absence = new RegistryAbsence(TimeSpan.FromSeconds(20));
        absence.Observe(T0, true, false);
        Assert.False(absence.Observe(T0.AddSeconds(15), true, true));
        Assert.Null(absence.MissingSince);
        Assert.False(absence.Observe(T0.AddSeconds(16), true, false));
        Assert.False(absence.Observe(T0.AddSeconds(30), false, false)); // joining: never an island
        Assert.False(absence.Observe(T0.AddSeconds(31), true, false));
        Assert.False(absence.Observe(T0.AddSeconds(50), true, false));
        Assert.True(absence.Observe(T0.AddSeconds(51), true, false));
    }
}
