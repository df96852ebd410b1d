using System.Text.Json;
using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;

namespace B24CallListApp.Portals;

// The calls about the portal and its user rather than its CRM, each with its parameters and the reading of its answer.

/// <summary>The user's name and whether the portal says they are an administrator, as <c>profile</c> answers.</summary>
public sealed record ProfileAnswer(string Name, bool Admin);

/// <summary><c>profile</c>: who the token's user is (https://apidocs.bitrix24.com/api-reference/common/users/profile.html).</summary>
public sealed record Profile() : Bitrix24Call("profile")
{
    public override JsonObject Parameters() => [];

    public static ProfileAnswer Read(JsonElement result) =>
        new($"{Bitrix24Json.Text(result, "NAME")} {Bitrix24Json.Text(result, "LAST_NAME")}".Trim(),
            Bitrix24Json.IsTrue(result, "ADMIN"));
}

/// <summary><c>user.admin</c>: whether the token's user is a portal administrator now.</summary>
public sealed record UserAdmin() : Bitrix24Call("user.admin")
{
    public override JsonObject Parameters() => [];

    /// <summary>True or false, or null when the portal gave no answer of that shape.</summary>
    public static bool? Read(BatchResult result) => result is { Error: null, Result: { } value }
        ? value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        }
        : null;
}

/// <summary><c>app.info</c>: the app's installation as the portal sees it; any answer means the app is still installed.</summary>
public sealed record AppInfo() : Bitrix24Call("app.info")
{
    public override JsonObject Parameters() => [];
}

/// <summary><c>placement.bind</c>: the app's handler in a portal menu (an administrator's call).</summary>
public sealed record PlacementBind(string Placement, Uri Handler, string Title) : Bitrix24Call("placement.bind")
{
    public override JsonObject Parameters() => new() { ["PLACEMENT"] = Placement, ["HANDLER"] = Handler.ToString(), ["TITLE"] = Title };
}
