using System.Text.Json;
using System.Text.Json.Nodes;
using PortalEmulator.Portals;

namespace PortalEmulator.Control;

/// <summary>
/// The control API's JSON for the endpoints whose bodies are still read by hand (portal creation, app
/// settings, opens, events, faults): answers 400 <c>{"error": "..."}</c> and 404. The others take typed,
/// validated bodies (<c>Control/ControlRequests.cs</c>).
/// </summary>
public static partial class ControlEndpoints
{
    internal sealed class BadRequest(string message) : Exception(message);

    /// <summary>The portal the route names, found by the portal group's filter.</summary>
    internal static Portal PortalOf(HttpContext context) => (Portal)context.Items[typeof(Portal)]!;

    internal static IResult Bad(string message) => Results.Json(new { error = message }, statusCode: 400);

    internal static IResult NotFound(string what) => Results.Json(new { error = what + " not found" }, statusCode: 404);

    internal static async Task<JsonObject> BodyAsync(HttpRequest request)
    {
        try
        {
            var node = await JsonNode.ParseAsync(request.Body);
            return node as JsonObject ?? throw new BadRequest("the body must be a JSON object");
        }
        catch (JsonException)
        {
            throw new BadRequest("the body is not valid JSON");
        }
    }

    internal static string? OptionalString(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new BadRequest($"'{name}' must be a string"),
    };

    static string RequiredString(JsonObject body, string name) =>
        OptionalString(body, name) is { Length: > 0 } s ? s : throw new BadRequest($"'{name}' is required");

    static double? OptionalNumber(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        _ => throw new BadRequest($"'{name}' must be a number"),
    };

    internal static bool? OptionalBool(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw new BadRequest($"'{name}' must be true or false"),
    };

    internal static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (BadRequest e)
        {
            return Bad(e.Message);
        }
    }
}
