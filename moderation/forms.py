"""The report form: a reason and, optionally, a few words for staff."""

from __future__ import annotations

from django import forms

from moderation.models import MAX_DETAILS, Reason, Report


class ReportForm(forms.ModelForm):
    # Declared, so that the radios offer the reasons and no empty choice.
    reason = forms.ChoiceField(
        label="What is wrong with it?", choices=Reason.choices, widget=forms.RadioSelect
    )

    class Meta:
        model = Report
        fields = ("reason", "details")
        labels = {"details": "Details"}
        widgets = {"details": forms.Textarea(attrs={"rows": 4, "maxlength": MAX_DETAILS})}

    def clean_details(self) -> str:
        # Browsers send line breaks as CRLF but count them as one character (maxlength).
        return self.cleaned_data["details"].replace("\r\n", "\n")
