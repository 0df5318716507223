namespace Overlay.Compose.Tests.Infrastructure;

/// <summary>A <see cref="FactAttribute"/> for tests that need a Docker daemon (see
/// <see cref="DockerEnvironment"/>): skipped with the reason outside CI, never skipped with CI=true.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class DockerFactAttribute : FactAttribute
{
    private string? _skip;

    /// <inheritdoc />
    public override string? Skip
    {
        get => _skip ?? (DockerEnvironment.IsCi ? null : DockerEnvironment.MissingReason);
        set => _skip = value;
    }
}
