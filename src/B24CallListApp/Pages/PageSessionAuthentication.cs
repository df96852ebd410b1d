using System.Security.Claims;
using System.Text.Encodings.Web;
using B24CallListApp.Portals;
using B24CallListApp.Resources;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Pages;

/// <summary>The page session a request presented, checked: set by <see cref="PageSessionAuthenticationHandler"/>.</summary>
public sealed record PageSessionFeature(AppSession Session);

/// <summary>Why a request's page session was refused, and the portal its form names (so the refusal is framed for it).</summary>
public sealed record SessionRefusalFeature(SessionRefusal Refusal, string? ClaimedPortal);

/// <summary>
/// The page session as an ASP.NET Core authentication scheme. Iframes get no usable cookies, so a page
/// presents its session in the form body (<see cref="PageSessions.FieldName"/>) or, from script, in the
/// <see cref="PageSessions.HeaderName"/> header; the handler resolves it into a principal and the
/// session as a request feature. It is never the default scheme: only endpoints that require it
/// read a request's form, so the portal's own POSTs keep their size cap (<see cref="PortalForm"/>).
/// </summary>
public sealed class PageSessionAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, SessionResolver resolver,
    IStringLocalizer<SharedResource> texts)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "PageSession";

    /// <summary>The form field naming the portal that framed the page, for a refusal to be framed for it too.</summary>
    public const string PortalField = "__portal";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // The only scheme is every request's default: the portal's own POSTs and anonymous endpoints are left alone.
        var endpoint = Context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<IAuthorizeData>() is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return AuthenticateResult.NoResult();
        }

        var token = Request.Headers[PageSessions.HeaderName].ToString();
        string? portal = null;
        if (Request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await Request.ReadFormAsync(Context.RequestAborted);
            }
            catch (Exception e) when (e is InvalidDataException or BadHttpRequestException)
            {
                // A form past the limits is nobody's page: refused before any session is looked at.
                return Refuse(new SessionRefusal(StatusCodes.Status400BadRequest, "BadRequest"), null);
            }

            token = form[PageSessions.FieldName].ToString() is { Length: > 0 } field ? field : token;
            portal = form[PortalField];
        }

        var (session, refusal) = await resolver.ResolveAsync(token, Context.RequestAborted);
        if (session is null)
        {
            return Refuse(refusal!, Uri.TryCreate(portal, UriKind.Absolute, out var origin) && origin.Scheme is "https" or "http" ? origin.GetLeftPart(UriPartial.Authority) : null);
        }

        Context.Features.Set(new PageSessionFeature(session));
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, session.Account.Key.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim("bitrix24:member_id", session.Portal.MemberId),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    AuthenticateResult Refuse(SessionRefusal refusal, string? claimedPortal)
    {
        Context.Features.Set(new SessionRefusalFeature(refusal, claimedPortal));
        return AuthenticateResult.Fail(refusal.TextKey);
    }

    /// <summary>A refused session on <c>/api</c>: problem details with the refusal's status, sentence and <c>code</c>.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var refusal = Context.Features.Get<SessionRefusalFeature>()?.Refusal ?? new SessionRefusal(StatusCodes.Status401Unauthorized, "SessionExpired");
        return PageApi.Problem(refusal.Status, refusal.TextKey, PortalFields.Language(Request.Query["LANG"]), texts).ExecuteAsync(Context);
    }
}

/// <summary>
/// Pages show a refused session themselves: the page runs its filter, which shows why in the user's
/// language, framed for the portal, and runs nothing else (<c>Pages/WorkspacePageModel.cs</c>). Everything
/// else gets the scheme's challenge.
/// </summary>
public sealed class SessionRefusalResultHandler : IAuthorizationMiddlewareResultHandler
{
    readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Succeeded && context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.PageActionDescriptor>() is not null
            && context.Features.Get<SessionRefusalFeature>() is not null)
        {
            return next(context);
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}

public static class PageSessionAuthenticationExtensions
{
    /// <summary>The page session scheme, and the policy every workspace page and <c>/api</c> endpoint requires.</summary>
    public static IServiceCollection AddPageSessionAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, PageSessionAuthenticationHandler>(PageSessionAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().SetDefaultPolicy(new AuthorizationPolicyBuilder(PageSessionAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, SessionRefusalResultHandler>();
        return services;
    }
}
