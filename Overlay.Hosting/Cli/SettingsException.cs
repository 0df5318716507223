namespace Overlay.Hosting.Cli;

/// <summary>A flag, environment variable or config file value that cannot be used. The message
/// is one line naming where the value came from and the value itself; processes print it and
/// exit non-zero.</summary>
public sealed class SettingsException(string message, Exception? inner = null) : Exception(message, inner);
