using System.ComponentModel.DataAnnotations;
using System.Globalization;
using B24CallListApp.CallLists;
using Microsoft.AspNetCore.Mvc;

namespace B24CallListApp.Pages.Lists;

/// <summary>
/// What the form selector (<c>_FormPicker</c>) posts: an id the user typed, or the select's entry and the
/// entry the page showed. One reading of it serves every page that offers the selector; a value no page
/// offers is a model error.
/// </summary>
public sealed class FormChoiceInput : IValidatableObject
{
    [ModelBinder(Name = "formId")]
    public string? TypedId { get; set; }

    [ModelBinder(Name = "form")]
    public string? Chosen { get; set; }

    [ModelBinder(Name = "formShown")]
    public string? Shown { get; set; }

    /// <summary>
    /// The user's choice: a typed id, or a different entry of the select than the page showed ("No form"
    /// included). Null when the selector was left as shown: a list then keeps whatever form it has by the
    /// time of saving, and a new list has none.
    /// </summary>
    public FormChoice? Choice
    {
        get
        {
            if (Id(TypedId) is { } typed)
            {
                return new FormChoice(typed);
            }

            var chosen = Chosen?.Trim();
            return string.IsNullOrEmpty(chosen) || chosen == Shown?.Trim() ? null
                : chosen == "none" ? new FormChoice(null)
                : Id(chosen) is { } id ? new FormChoice(id) : null;
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(TypedId) && Id(TypedId) is null)
        {
            yield return new ValidationResult("A typed form id is a positive whole number.", [nameof(TypedId)]);
        }

        if (Chosen?.Trim() is { Length: > 0 } chosen && chosen != "none" && Id(chosen) is null)
        {
            yield return new ValidationResult("A chosen form is an id or \"none\".", [nameof(Chosen)]);
        }
    }

    static int? Id(string? text) =>
        int.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;
}

/// <summary>Ids of records a form posts (checkboxes, hidden fields): each a positive whole number, else a model error.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PositiveIdsAttribute : ValidationAttribute
{
    public PositiveIdsAttribute()
        : base("Every id is a positive whole number.")
    {
    }

    public override bool IsValid(object? value) => value is not IEnumerable<int> ids || ids.All(id => id > 0);
}
