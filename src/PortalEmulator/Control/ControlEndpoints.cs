using System.Text.Json.Nodes;
using PortalEmulator.Portals;

namespace PortalEmulator.Control;

/// <summary>
/// <c>/_emulator/</c>: the JSON control API that tests, the demo and acceptance runs use
/// (a contract: its shapes do not change under them). Bad input answers 400 <c>{"error": "..."}</c>.
/// </summary>
public static partial class ControlEndpoints
{
    public static void MapEmulatorControl(this IEndpointRouteBuilder app)
    {
        var control = app.MapGroup("/_emulator");
        control.MapPost("/portals", CreatePortal);
        // Every route about one portal: the filter finds it (404 otherwise) and its handlers take it from there.
        var portals = control.MapGroup("/portals/{memberId}").AddEndpointFilter(async (context, next) =>
        {
            var memberId = context.HttpContext.GetRouteValue("memberId") as string ?? "";
            if (context.HttpContext.RequestServices.GetRequiredService<Emulator>().FindPortal(memberId) is not { } portal)
            {
                return NotFound("portal");
            }

            context.HttpContext.Items[typeof(Portal)] = portal;
            return await next(context);
        });
        portals.MapGet("", GetPortal);
        portals.MapPost("/users/{userId}/tokens", IssueTokens);
        portals.MapPost("/users/{userId}", UserRights.Change);
        control.MapPost("/tokens/expire", ExpireToken);
        // Every access token issued so far expires at once (load runs: each account's next call must refresh).
        control.MapPost("/tokens/expire-all", (Emulator emulator) =>
        {
            var grants = emulator.IssuedGrants();
            foreach (var grant in grants)
            {
                grant.ForcedExpired = true;
            }

            return Results.Json(new { expired = grants.Count });
        });
        portals.MapPost("/faults", AddFault);
        portals.MapDelete("/faults", ClearFaults);
        portals.MapGet("/requests", PortalRequests);
        control.MapGet("/oauth/requests", (Emulator emulator) => Results.Json(emulator.OAuthLog().Select(e => new
        {
            path = e.Path,
            grantType = e.GrantType,
            clientId = e.ClientId,
            status = e.Status,
            error = e.Error,
        })));
        control.MapPost("/oauth/faults", AddOAuthFault);
        control.MapGet("/secrets", (Emulator emulator) => Results.Json(new
        {
            tokens = emulator.IssuedGrants().SelectMany(g => new[] { g.AccessToken, g.RefreshToken }),
            applicationTokens = emulator.Portals().SelectMany(p => { lock (p.Sync) { return p.App.ApplicationTokenHistory.ToList(); } }),
            clientSecrets = emulator.Portals().Select(p => p.App.ClientSecret).Distinct(),
        }));
        portals.MapPost("/quirks", SetQuirks);
        portals.MapPost("/limits", SetLimits);
        portals.MapPost("/load", ExternalLoad);
        portals.MapPost("/operating", AddOperatingTime);
        portals.MapPost("/delete", DeletePortal);
        portals.MapPost("/move", MovePortal);
        portals.MapPost("/app", UpdateApp);
        portals.MapPost("/install", Install);
        portals.MapPost("/open", Open);
        portals.MapPost("/events", SendEvent);
        portals.MapPost("/contacts", AddContacts);
        portals.MapPost("/calllists", AddCallList);
    }

    static Task<IResult> CreatePortal(HttpRequest request, Emulator emulator, CancellationToken ct) => Guard(async () =>
    {
        var body = await BodyAsync(request);
        var clientId = RequiredString(body, "clientId");
        var clientSecret = RequiredString(body, "clientSecret");
        var seed = OptionalString(body, "seed") ?? "demo";
        if (seed is not ("demo" or "empty"))
        {
            throw new BadRequest("'seed' must be \"demo\" or \"empty\"");
        }

        var language = OptionalString(body, "language") ?? "en";
        var portal = await emulator.CreatePortalAsync(clientId, clientSecret, seed, language, ct);
        ApplyAppSettings(portal, body);
        var users = portal.Users.Select(u =>
        {
            var grant = emulator.IssueTokens(portal, u.Id);
            return new { id = u.Id, admin = u.Admin, accessToken = grant.AccessToken, refreshToken = grant.RefreshToken };
        }).ToList();
        return Results.Json(new
        {
            memberId = portal.MemberId,
            domain = portal.Domain,
            clientEndpoint = portal.ClientEndpoint,
            oauthServer = emulator.OAuthServer,
            applicationToken = portal.App.ApplicationToken,
            users,
        });
    });

    static void ApplyAppSettings(Portal portal, JsonObject body)
    {
        lock (portal.Sync)
        {
            portal.App.HandlerUrl = OptionalString(body, "handlerUrl") ?? portal.App.HandlerUrl;
            portal.App.InstallUrl = OptionalString(body, "installUrl") ?? portal.App.InstallUrl;
            portal.App.EventHandlerUrl = OptionalString(body, "eventHandlerUrl") ?? portal.App.EventHandlerUrl;
            portal.App.Scope = OptionalString(body, "scope") ?? portal.App.Scope;
            portal.App.Deleted = OptionalBool(body, "deleted") ?? portal.App.Deleted;
            portal.App.Uninstalled = OptionalBool(body, "uninstalled") ?? portal.App.Uninstalled;
            portal.App.PaymentRequired = OptionalBool(body, "paymentRequired") ?? portal.App.PaymentRequired;
            portal.App.InstallFinished = OptionalBool(body, "installFinished") ?? portal.App.InstallFinished;
        }
    }

    static IResult GetPortal(HttpRequest request)
    {
        var portal = PortalOf(request.HttpContext);

        lock (portal.Sync)
        {
            return Results.Json(new
            {
                memberId = portal.MemberId,
                domain = portal.Domain,
                clientEndpoint = portal.ClientEndpoint,
                deleted = portal.Deleted,
                app = new
                {
                    clientId = portal.App.ClientId,
                    installFinished = portal.App.InstallFinished,
                    handlerUrl = portal.App.HandlerUrl,
                    installUrl = portal.App.InstallUrl,
                    deleted = portal.App.Deleted,
                    uninstalled = portal.App.Uninstalled,
                    paymentRequired = portal.App.PaymentRequired,
                    scope = portal.App.Scope,
                },
                users = portal.Users.Select(u => new { id = u.Id, admin = u.Admin, crmRead = UserRights.CrmRead(u), name = u.Name, lastName = u.LastName }),
                placements = portal.Placements.Select(p => new { placement = p.Placement, handler = p.Handler, title = p.Title }),
                webForms = portal.WebForms.Select(f => new { id = f.Id, name = f.Name, active = f.Active }),
                callLists = portal.CallLists.Values.OrderBy(l => l.Id).Select(l => new
                {
                    id = l.Id,
                    entityType = l.EntityTypeId == CrmEntity.ContactType ? "CONTACT" : "COMPANY",
                    createdById = l.CreatedById,
                    webFormId = l.WebFormId,
                    items = l.Items.Select(i => new { entityId = i.EntityId, status = i.Status }),
                }),
                contacts = portal.Contacts.Count,
                companies = portal.Companies.Count,
            });
        }
    }

    static IResult IssueTokens(HttpRequest request, int userId, Emulator emulator)
    {
        var portal = PortalOf(request.HttpContext);

        if (portal.FindUser(userId) is null)
        {
            return NotFound("user");
        }

        var grant = emulator.IssueTokens(portal, userId);
        return Results.Json(new { accessToken = grant.AccessToken, refreshToken = grant.RefreshToken, expiresIn = emulator.Options.AccessTokenLifetimeSeconds });
    }

    static IResult ExpireToken(TokenExpiry expiry, Emulator emulator)
    {
        if (emulator.FindByAccessToken(expiry.AccessToken!) is not { } grant)
        {
            return NotFound("access token");
        }

        grant.ForcedExpired = true;
        return Results.NoContent();
    }

    static IResult DeletePortal(HttpRequest request)
    {
        var portal = PortalOf(request.HttpContext);

        lock (portal.Sync)
        {
            portal.Deleted = true;
        }

        return Results.NoContent();
    }

    static async Task<IResult> MovePortal(HttpRequest request, Emulator emulator, CancellationToken ct)
    {
        var portal = PortalOf(request.HttpContext);

        await emulator.MoveAsync(portal, ct);
        return Results.Json(new { domain = portal.Domain, clientEndpoint = portal.ClientEndpoint });
    }

    static Task<IResult> UpdateApp(HttpRequest request) => Guard(async () =>
    {
        var portal = PortalOf(request.HttpContext);

        var body = await BodyAsync(request);
        ApplyAppSettings(portal, body);
        if (OptionalBool(body, "rotateApplicationToken") == true)
        {
            portal.App.ApplicationToken = Emulator.RandomHex(16);
        }

        return Results.Json(new { applicationToken = portal.App.ApplicationToken });
    });
}
