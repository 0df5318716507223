namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>A <see cref="RootFactAttribute"/> for the lab tests: they also need
/// <see cref="LabEnvironment.Tools"/> (ping, curl, iptables, the CNI bridge plugin).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class LabFactAttribute : RootFactAttribute
{
    /// <inheritdoc />
    protected override IEnumerable<string> BaseTools => LabEnvironment.Tools;
}
