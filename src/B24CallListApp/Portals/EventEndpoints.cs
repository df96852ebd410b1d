using Microsoft.Extensions.Options;

namespace B24CallListApp.Portals;

/// <summary><c>POST /events</c> (and an event body POSTed to <c>/install</c>): ONAPPINSTALL, ONAPPUPDATE, ONAPPUNINSTALL.</summary>
public static class EventEndpoints
{
    public static RouteHandlerBuilder MapEvents(this IEndpointRouteBuilder app) =>
        app.MapPost("/events", ReceiveAsync).DisableAntiforgery();

    static async Task<IResult> ReceiveAsync(HttpContext context, Installer installer, IOptions<PortalPostOptions> options, CancellationToken ct)
    {
        var (form, status) = await PortalForm.ReadAsync(context.Request, options.Value.MaxBodyBytes, ct);
        if (form is null)
        {
            return Results.Json(new { error = "INVALID_REQUEST", error_description = $"An event is a form-encoded body of at most {options.Value.MaxBodyBytes} bytes." }, statusCode: status);
        }

        var (answerStatus, body) = await AnswerAsync(form, installer, ct);
        return Results.Json(body, statusCode: answerStatus);
    }

    /// <summary>
    /// Bitrix24 does not retry events, so they are answered at once. Every refused event gets the
    /// same answer, whether the portal is installed, unknown or the token wrong: the answer tells an
    /// outsider nothing about which portals use the app.
    /// </summary>
    public static async Task<(int Status, object Body)> AnswerAsync(IFormCollection form, Installer installer, CancellationToken ct)
    {
        var appEvent = AppEvent.Read(form);
        var outcome = appEvent is null ? EventOutcome.Refused : await installer.HandleAsync(appEvent, ct);
        return outcome switch
        {
            EventOutcome.Accepted => (StatusCodes.Status200OK, new { result = true }),
            EventOutcome.Unavailable => (StatusCodes.Status503ServiceUnavailable, new { error = "TEMPORARILY_UNAVAILABLE", error_description = "The event could not be verified now." }),
            _ => (StatusCodes.Status401Unauthorized, new { error = "EVENT_REFUSED", error_description = "The event was not accepted." }),
        };
    }
}
