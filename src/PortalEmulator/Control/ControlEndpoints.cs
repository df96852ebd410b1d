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

            return Results.Json(new ExpiredTokens(grants.Count));
        });
        portals.MapPost("/faults", AddFault);
        portals.MapDelete("/faults", ClearFaults);
        portals.MapGet("/requests", PortalRequests);
        control.MapGet("/oauth/requests", (Emulator emulator) =>
            Results.Json(emulator.OAuthLog().Select(e => new OAuthRequest(e.Path, e.GrantType, e.ClientId, e.Status, e.Error))));
        control.MapPost("/oauth/faults", AddOAuthFault);
        control.MapGet("/secrets", (Emulator emulator) => Results.Json(new IssuedSecrets(
            emulator.IssuedGrants().SelectMany(g => new[] { g.AccessToken, g.RefreshToken }).ToList(),
            emulator.Portals().SelectMany(p => { lock (p.Sync) { return p.App.ApplicationTokenHistory.ToList(); } }).ToList(),
            emulator.Portals().Select(p => p.App.ClientSecret).Distinct().ToList())));
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
        portals.MapPost("/companies", AddCompanies);
        portals.MapPost("/calllists", AddCallList);
    }

    static async Task<IResult> CreatePortal(NewPortal request, Emulator emulator, CancellationToken ct)
    {
        var portal = await emulator.CreatePortalAsync(request.ClientId!, request.ClientSecret!, request.Seed ?? "demo", request.Language ?? "en", ct);
        ApplyAppSettings(portal, request);
        var users = portal.Users.Select(u =>
        {
            var grant = emulator.IssueTokens(portal, u.Id);
            return new EmulatedUser(u.Id, u.Admin, grant.AccessToken, grant.RefreshToken);
        }).ToList();
        return Results.Json(new EmulatedPortal(portal.MemberId, portal.Domain, portal.ClientEndpoint, emulator.OAuthServer, portal.App.ApplicationToken, users));
    }

    static void ApplyAppSettings(Portal portal, AppSettings settings)
    {
        lock (portal.Sync)
        {
            portal.App.HandlerUrl = settings.HandlerUrl ?? portal.App.HandlerUrl;
            portal.App.InstallUrl = settings.InstallUrl ?? portal.App.InstallUrl;
            portal.App.EventHandlerUrl = settings.EventHandlerUrl ?? portal.App.EventHandlerUrl;
            portal.App.Scope = settings.Scope ?? portal.App.Scope;
            portal.App.Deleted = settings.Deleted ?? portal.App.Deleted;
            portal.App.Uninstalled = settings.Uninstalled ?? portal.App.Uninstalled;
            portal.App.PaymentRequired = settings.PaymentRequired ?? portal.App.PaymentRequired;
            portal.App.InstallFinished = settings.InstallFinished ?? portal.App.InstallFinished;
        }
    }

    static IResult GetPortal(HttpContext context)
    {
        var portal = PortalOf(context);
        lock (portal.Sync)
        {
            var app = portal.App;
            return Results.Json(new PortalState(
                portal.MemberId,
                portal.Domain,
                portal.ClientEndpoint,
                portal.Deleted,
                new AppState(app.ClientId, app.InstallFinished, app.HandlerUrl, app.InstallUrl, app.Deleted, app.Uninstalled, app.PaymentRequired, app.Scope),
                portal.Users.Select(UserState.Of).ToList(),
                portal.Placements.Select(p => new PlacementState(p.Placement, p.Handler, p.Title)).ToList(),
                portal.WebForms.Select(f => new WebFormState(f.Id, f.Name, f.Active)).ToList(),
                portal.CallLists.Values.OrderBy(l => l.Id).Select(l => new CallListState(
                    l.Id,
                    l.EntityTypeId == CrmEntity.ContactType ? "CONTACT" : "COMPANY",
                    l.CreatedById,
                    l.WebFormId,
                    l.Items.Select(i => new CallListItemState(i.EntityId, i.Status)).ToList())).ToList(),
                portal.Contacts.Count,
                portal.Companies.Count));
        }
    }

    static IResult IssueTokens(HttpContext context, int userId, Emulator emulator)
    {
        var portal = PortalOf(context);
        if (portal.FindUser(userId) is null)
        {
            return NotFound("user");
        }

        var grant = emulator.IssueTokens(portal, userId);
        return Results.Json(new IssuedTokens(grant.AccessToken, grant.RefreshToken, emulator.Options.AccessTokenLifetimeSeconds));
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

    static IResult DeletePortal(HttpContext context)
    {
        var portal = PortalOf(context);
        lock (portal.Sync)
        {
            portal.Deleted = true;
        }

        return Results.NoContent();
    }

    static async Task<IResult> MovePortal(HttpContext context, Emulator emulator, CancellationToken ct)
    {
        var portal = PortalOf(context);
        await emulator.MoveAsync(portal, ct);
        return Results.Json(new MovedPortal(portal.Domain, portal.ClientEndpoint));
    }

    static IResult UpdateApp(AppChange change, HttpContext context)
    {
        var portal = PortalOf(context);
        ApplyAppSettings(portal, change);
        lock (portal.Sync)
        {
            if (change.RotateApplicationToken == true)
            {
                portal.App.ApplicationToken = Emulator.RandomHex(16);
            }

            return Results.Json(new AppTokenAnswer(portal.App.ApplicationToken));
        }
    }
}
