using System.Text.Json;
using System.Text.Json.Serialization;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Serialization;

/// <summary>
/// The persisted form of <see cref="LeaseEndReason"/> in "E-LE" events: a fixed name per reason,
/// taken from <see cref="PersistedNames"/> and never from the C# member name, so renaming a member
/// cannot make a journal unreadable. The names are those the enum's members had when the first
/// journals were written (System.Text.Json's by-name form), so every journal written before this
/// table existed reads back unchanged. Reading also takes the numeric code (the enum's explicit
/// values), which no release has written but which is as stable as the names.
/// Contract: a name in this table is never changed or reused; a new reason gets a new name here.
/// </summary>
public sealed class LeaseEndReasonConverter : JsonConverter<LeaseEndReason>
{
    /// <summary>The name each reason is written as; part of the persisted format.</summary>
    public static readonly IReadOnlyDictionary<LeaseEndReason, string> PersistedNames = new Dictionary<LeaseEndReason, string>
    {
        [LeaseEndReason.Released] = "Released",
        [LeaseEndReason.Expired] = "Expired",
        [LeaseEndReason.MemberRemoved] = "MemberRemoved",
        [LeaseEndReason.Evicted] = "Evicted",
        [LeaseEndReason.Incompatible] = "Incompatible",
    };

    private static readonly IReadOnlyDictionary<string, LeaseEndReason> ByName =
        PersistedNames.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    /// <inheritdoc />
    public override LeaseEndReason Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var code)
            && PersistedNames.ContainsKey((LeaseEndReason)code))
            return (LeaseEndReason)code;
        if (reader.TokenType == JsonTokenType.String && ByName.TryGetValue(reader.GetString()!, out var reason))
            return reason;
        throw new JsonException($"not a persisted LeaseEndReason: {Describe(ref reader)}");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, LeaseEndReason value, JsonSerializerOptions options) =>
        writer.WriteStringValue(PersistedNames.TryGetValue(value, out var name)
            ? name
            : throw new JsonException($"LeaseEndReason {(int)value} has no persisted name (add one to {nameof(LeaseEndReasonConverter)})"));

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"'{reader.GetString()}'",
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
        _ => reader.TokenType.ToString(),
    };
}
