using System.Globalization;
using System.Text.Json;

namespace B24CallListApp.Bitrix24;

/// <summary>
/// How the app reads Bitrix24's JSON, in one place: numbers come as numbers or as strings, lists as arrays
/// (or as anything else when empty), and any field may be missing.
/// </summary>
public static class Bitrix24Json
{
    /// <summary>A field as text: a string, or a number's digits; null when missing or of another kind.</summary>
    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    /// <summary>A field as text, empty when missing.</summary>
    public static string Text(JsonElement element, string name) => String(element, name) ?? "";

    /// <summary>A number sent as a number or as a string (a fraction is cut to its whole part).</summary>
    public static long? Number(JsonElement element, string name) =>
        String(element, name) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? (long)n : null;

    /// <summary>A whole number sent as a number or as a string; null for anything else.</summary>
    public static int? IntOf(JsonElement element, string name) =>
        int.TryParse(String(element, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>Whether a field is JSON <c>true</c> (a missing field, or any other value, is not).</summary>
    public static bool IsTrue(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>The rows of a list's answer; none when it is not an array.</summary>
    public static List<JsonElement> Rows(JsonElement? result) =>
        result is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().ToList() : [];
}
