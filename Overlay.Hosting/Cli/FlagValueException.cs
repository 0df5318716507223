namespace Overlay.Hosting.Cli;

/// <summary>Thrown by a flag's parser for text it cannot use. <see cref="Flag{T}.Parse"/> turns it into
/// the one-line <see cref="SettingsException"/> "SOURCE: REASON: 'VALUE'", so a parser states only what
/// was expected (e.g. "not a port number (1..65535)").</summary>
/// <param name="reason">What the text is not, in words.</param>
/// <param name="value">The offending part when it is not the whole text (one entry of a list); null: the whole text.</param>
public sealed class FlagValueException(string reason, string? value = null) : Exception(reason)
{
    /// <summary>What the text is not, in words.</summary>
    public string Reason { get; } = reason;

    /// <summary>The offending part of the text, or null for the whole text.</summary>
    public string? Value { get; } = value;
}
