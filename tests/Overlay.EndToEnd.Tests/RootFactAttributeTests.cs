using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>The skip rule: skip with a reason outside CI, never skip with CI=true.</summary>
public sealed class RootFactAttributeTests : IDisposable
{
    private readonly string? _ci = Environment.GetEnvironmentVariable("CI");

    /// <inheritdoc />
    public void Dispose() => Environment.SetEnvironmentVariable("CI", _ci);

    [Fact]
    public void SkipsWithTheMissingToolAsReasonOutsideCi()
    {
        Environment.SetEnvironmentVariable("CI", null);
        var fact = new LabFactAttribute { Tools = ["overlay-no-such-tool"] };
        Assert.NotNull(fact.Skip);
        Assert.Contains("'overlay-no-such-tool' on PATH", fact.Skip);
    }

    [Fact]
    public void NeverSkipsWhenCiIsTrue()
    {
        Environment.SetEnvironmentVariable("CI", "true");
        var fact = new LabFactAttribute { Tools = ["overlay-no-such-tool"] };
        Assert.Null(fact.Skip);
    }

    [Fact]
    public void RequireThrowsTheSameReasonForTheCiPath()
    {
        var error = Assert.Throws<InvalidOperationException>(() => LabEnvironment.Require(needsTun: false, ["overlay-no-such-tool"]));
        Assert.Contains("'overlay-no-such-tool' on PATH", error.Message);
    }
}
