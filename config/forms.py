"""How every form of the site renders: `{{ form }}` and `{{ form.field.as_field_group }}`
go through the site's own templates, so label, help text, errors and their ARIA links
are written once (templates/includes/field.html)."""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class SiteFormRenderer(TemplatesSetting):
    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
