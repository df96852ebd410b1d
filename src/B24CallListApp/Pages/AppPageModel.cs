using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace B24CallListApp.Pages;

/// <summary>A page that says one thing: the key of a sentence in the user's language, and whether it is an error.</summary>
public sealed record PageMessage(string TextKey, bool IsError);

/// <summary>
/// The base of every page: which portal may frame it, and the message it shows when it cannot show
/// what was asked. Headers are set here, once, for every page.
/// </summary>
public abstract class AppPageModel : PageModel
{
    /// <summary>
    /// The one origin allowed to frame this page: the verified portal's, or, for a page that only shows
    /// a message, the portal the request claims to come from (so the user sees why, not a blank frame).
    /// </summary>
    public string? FrameAncestor { get; protected set; }

    public PageMessage? Message { get; private set; }

    protected IActionResult ShowMessage(int status, string textKey, string? frameAncestor = null)
    {
        Response.StatusCode = status;
        Message = new PageMessage(textKey, status >= 400);
        FrameAncestor ??= frameAncestor;
        return Page();
    }

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        await next();
        PageHeaders.Apply(Response, FrameAncestor);
    }

    /// <summary>
    /// A portal's POST (<c>/</c>, <c>/install</c>): the capped form and, when it is one, the frame POST;
    /// otherwise the message page that says why, framed for the portal the request claims.
    /// </summary>
    protected async Task<(IFormCollection? Form, Portals.FramePost? Post, IActionResult? Refusal)> ReadPortalPostAsync()
    {
        var claimed = Portals.FramePost.ClaimedOrigin(Request.Query);
        var maxBytes = HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Portals.PortalPostOptions>>().Value.MaxBodyBytes;
        var (form, status) = await Portals.PortalForm.ReadAsync(Request, maxBytes, HttpContext.RequestAborted);
        if (form is null)
        {
            return (null, null, ShowMessage(status, Problems.ForFormStatus(status), claimed));
        }

        FrameAncestor = claimed;
        var post = Portals.FramePost.Read(Request.Query, form, out _);
        return post is null ? (form, null, ShowMessage(400, "BadRequest")) : (form, post, null);
    }
}

/// <summary>Security headers of every page: framing only by the portal that opened it, scripts only from the app.</summary>
public static class PageHeaders
{
    public static void Apply(HttpResponse response, string? frameAncestor)
    {
        // The frame client (b24jssdk) is served from the app's own origin like every other script.
        response.Headers.ContentSecurityPolicy =
            $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors {frameAncestor ?? "'none'"}";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
    }
}
