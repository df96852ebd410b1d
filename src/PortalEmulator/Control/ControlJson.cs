using PortalEmulator.Portals;

namespace PortalEmulator.Control;

/// <summary>
/// The control API's refusals beside its typed bodies (<c>Control/ControlRequests.cs</c>): 400
/// <c>{"error": "..."}</c> for what validation cannot know (an app URL the portal lacks), 404 for what is not there.
/// </summary>
public static partial class ControlEndpoints
{
    /// <summary>The portal the route names, found by the portal group's filter.</summary>
    internal static Portal PortalOf(HttpContext context) => (Portal)context.Items[typeof(Portal)]!;

    internal static IResult Bad(string message) => Results.Json(new { error = message }, statusCode: 400);

    internal static IResult NotFound(string what) => Results.Json(new { error = what + " not found" }, statusCode: 404);
}
