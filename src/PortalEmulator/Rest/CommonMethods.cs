using System.Globalization;
using System.Text.Json.Nodes;
using PortalEmulator.Portals;

namespace PortalEmulator.Rest;

/// <summary>Methods every app may call: the user, the app, and placements.</summary>
public static class CommonMethods
{
    public static readonly string[] KnownPlacements =
    [
        "DEFAULT", "CRM_CONTACT_LIST_MENU", "CRM_COMPANY_LIST_MENU", "CRM_CONTACT_LIST_TOOLBAR", "CRM_COMPANY_LIST_TOOLBAR",
        "CRM_CONTACT_DETAIL_TAB", "CRM_COMPANY_DETAIL_TAB", "LEFT_MENU",
    ];

    public static void Register(IDictionary<string, RestMethod> methods)
    {
        methods["profile"] = new(null, Profile);
        // Whether the calling user is a portal administrator now (rights change at any time).
        methods["user.admin"] = new(null, call => new RestResult(call.User.Admin));
        methods["user.current"] = new("user", UserCurrent);
        methods["user.get"] = new("user", UserGet);
        methods["app.info"] = new(null, AppInfo);
        methods["scope"] = new(null, call => new RestResult(new JsonArray(call.Portal.App.Scope.Split(',').Select(s => (JsonNode)s).ToArray())));
        methods["placement.bind"] = new("placement", PlacementBind);
        methods["placement.unbind"] = new("placement", PlacementUnbind);
        methods["placement.get"] = new("placement", PlacementGet);
    }

    static RestResult Profile(RestCall call) => new(new JsonObject
    {
        ["ID"] = call.User.Id.ToString(CultureInfo.InvariantCulture),
        ["ADMIN"] = call.User.Admin,
        ["NAME"] = call.User.Name,
        ["LAST_NAME"] = call.User.LastName,
        ["PERSONAL_GENDER"] = "",
        ["PERSONAL_PHOTO"] = "",
        ["TIME_ZONE"] = "Europe/Moscow",
        ["TIME_ZONE_OFFSET"] = 0,
    });

    static RestResult UserCurrent(RestCall call) => new(new JsonObject
    {
        ["ID"] = call.User.Id.ToString(CultureInfo.InvariantCulture),
        ["ACTIVE"] = true,
        ["NAME"] = call.User.Name,
        ["LAST_NAME"] = call.User.LastName,
        ["EMAIL"] = call.User.Email,
        ["IS_ONLINE"] = "Y",
        ["USER_TYPE"] = "employee",
    });

    /// <summary><c>user.get</c>: the portal's users, filtered by <c>FILTER[ID]</c> (one id or several) and <c>FILTER[ACTIVE]</c>, 50 a page.</summary>
    static RestResult UserGet(RestCall call)
    {
        var filter = call.GetObject("FILTER");
        if (filter.Count == 0)
        {
            filter = call.GetObject("filter");
        }

        JsonNode? Condition(string field) => filter.FirstOrDefault(p => p.Key.TrimStart('@', '=').Equals(field, StringComparison.OrdinalIgnoreCase)).Value;
        var wanted = Condition("ID") switch
        {
            null => null,
            JsonArray ids => ids.Select(RestCall.AsInt).OfType<int>().ToHashSet(),
            var one => RestCall.AsInt(one) is { } id ? [id] : new HashSet<int>(),
        };
        bool? active = Condition("ACTIVE") is { } flag ? RestCall.AsString(flag)?.ToUpperInvariant() is "Y" or "TRUE" or "1" : null;
        var users = call.Portal.Users.Where(u => (wanted is null || wanted.Contains(u.Id)) && (active is null || u.Active == active)).OrderBy(u => u.Id).ToList();
        var (page, total, next) = ListQuery.Page(users, call.Start, withTotal: true);
        return new RestResult(new JsonArray(page.Select(u => (JsonNode)new JsonObject
        {
            ["ID"] = u.Id.ToString(CultureInfo.InvariantCulture),
            ["ACTIVE"] = u.Active,
            ["NAME"] = u.Name,
            ["LAST_NAME"] = u.LastName,
            ["EMAIL"] = u.Email,
        }).ToArray()), total, next);
    }

    static RestResult AppInfo(RestCall call) => new(new JsonObject
    {
        ["ID"] = 1,
        ["CODE"] = "local." + call.Portal.App.ClientId,
        ["VERSION"] = 1,
        ["STATUS"] = call.Portal.LicenseStatus,
        ["INSTALLED"] = call.Portal.App.InstallFinished,
        ["PAYMENT_EXPIRED"] = call.Portal.App.PaymentRequired ? "Y" : "N",
        ["DAYS"] = null,
        ["LANGUAGE_ID"] = call.Portal.Language,
        ["LICENSE"] = call.Portal.Language + "_project",
        ["LICENSE_FAMILY"] = "project",
    });

    static void RequireAdmin(RestCall call)
    {
        if (!call.User.Admin)
        {
            throw new RestError(403, "ACCESS_DENIED", "Access denied! Portal administrator permissions required");
        }
    }

    static RestResult PlacementBind(RestCall call)
    {
        RequireAdmin(call);
        var placement = call.GetString("PLACEMENT")?.ToUpperInvariant();
        var handler = call.GetString("HANDLER");
        if (string.IsNullOrEmpty(placement))
        {
            throw RestError.Argument("PLACEMENT");
        }

        if (string.IsNullOrEmpty(handler))
        {
            throw RestError.Argument("HANDLER");
        }

        if (!KnownPlacements.Contains(placement))
        {
            throw new RestError(400, "ERROR_PLACEMENT_NOT_FOUND", "Placement not found");
        }

        if (!Uri.TryCreate(handler, UriKind.Absolute, out _))
        {
            throw new RestError(400, "ERROR_WRONG_HANDLER_URL", "Wrong handler URL");
        }

        var portal = call.Portal;
        if (portal.Placements.Any(p => p.Placement == placement && p.Handler == handler && p.ClientId == call.Grant.ClientId))
        {
            throw new RestError(400, "ERROR_PLACEMENT_HANDLER_ALREADY_BINDED", "Handler already binded");
        }

        portal.Placements.Add(new PlacementBinding(placement, handler, call.GetString("TITLE") ?? "", call.Grant.ClientId));
        return new RestResult(true);
    }

    static RestResult PlacementUnbind(RestCall call)
    {
        RequireAdmin(call);
        var placement = call.GetString("PLACEMENT")?.ToUpperInvariant() ?? throw RestError.Argument("PLACEMENT");
        var handler = call.GetString("HANDLER");
        var count = call.Portal.Placements.RemoveAll(p => p.Placement == placement && (handler is null || p.Handler == handler) && p.ClientId == call.Grant.ClientId);
        return new RestResult(new JsonObject { ["count"] = count });
    }

    static RestResult PlacementGet(RestCall call) =>
        new(new JsonArray(call.Portal.Placements.Where(p => p.ClientId == call.Grant.ClientId).Select(p => (JsonNode)new JsonObject
        {
            ["placement"] = p.Placement,
            ["handler"] = p.Handler,
            ["title"] = p.Title,
        }).ToArray()));
}
