"""The public side's legal pages, in German: Impressum (provider, § 5 DDG), Datenschutzerklärung (information
under Art. 13 GDPR) and Erklärung zur Barrierefreiheit (BITV 2.0 / ThürGIG).

The operator's details come from ``Settings.operator``; what the service does with personal data is
written from what it actually does and from the settings that govern it (retention periods, the rate
limits' window, the access log, the consent texts' versions), so the statement changes when they do.
Missing operator details are said to be missing, never invented."""

from __future__ import annotations

from html import escape

from flaechenpool import __version__, consent
from flaechenpool.expose.html import ATTRIBUTION, plain_page
from flaechenpool.settings import Settings

CONSENT_NAMES = {"inquiry": "Anfrage", "report_contact": "Kontaktangaben bei Meldungen"}
MISSING = ('<p class="note" role="note">Die Angaben zum Betreiber dieses Dienstes sind noch nicht eingetragen '
           '(Einstellungen <code>FLAECHENPOOL_OPERATOR__…</code>). Diese Installation zeigt Demodaten.</p>')


def _operator_block(settings: Settings) -> str:
    """Name, address, representative and contacts of the operator (escaped HTML), or the note that they are missing."""
    op = settings.operator
    if op.name is None:
        return MISSING
    lines = [f"<strong>{escape(op.name)}</strong>", *(escape(line.strip()) for line in (op.address or "").split("|")
                                                       if line.strip())]
    if op.represented_by:
        lines.append(f"vertreten durch: {escape(op.represented_by)}")
    if op.phone:
        lines.append(f"Telefon: {escape(op.phone)}")
    if op.email:
        lines.append(f'E-Mail: <a href="mailto:{escape(op.email)}">{escape(op.email)}</a>')
    return "<p>" + "<br>".join(lines) + "</p>"


def _page(title: str, description: str, body: str) -> str:
    return plain_page(title=title, description=description, main=f"<h1>{escape(title)}</h1>\n{body}",
                      footer=f"Datenquellen: {escape(ATTRIBUTION)}")


def imprint(settings: Settings) -> str:
    """Impressum: who provides the service and who answers for its content."""
    op = settings.operator
    responsible = (f"<h2>Inhaltlich verantwortlich</h2><p>{escape(op.content_responsible)}</p>"
                   if op.content_responsible else "")
    body = f"""<h2>Anbieter</h2>
{_operator_block(settings)}
{responsible}
<h2>Inhalte</h2>
<p>Die Flächenangebote stellen die Gemeinden ein, die diesen Dienst nutzen; Ansprechstelle ist jeweils die auf der
Seite einer Fläche genannte Stelle. Alle Angaben ohne Gewähr. Einträge mit dem Hinweis „illustrativ“ sind erfundene
Beispieldaten und keine realen Angebote.</p>
<h2>Datenquellen</h2>
<p>{escape(ATTRIBUTION)}.</p>
<h2>Software</h2>
<p>Flächenpool {escape(__version__)}, quelloffene Software für das Flächenmanagement von Gemeinden.
Kartendarstellung mit MapLibre GL JS (BSD-3-Clause).</p>"""
    return _page("Impressum", "Anbieter und Verantwortliche dieses Dienstes", body)


def privacy_statement(settings: Settings) -> str:
    """Datenschutzerklärung: controller, what is processed on which legal basis, for how long, who reads it,
    the data subject's rights."""
    op, public = settings.operator, settings.public
    dpo = (f"<h2>Datenschutzbeauftragte Stelle</h2><p>{escape(op.data_protection_officer)}</p>"
           if op.data_protection_officer else "")
    window_min = max(1, round(public.rate_window_s / 60))
    if settings.api.access_log:
        visits = ("Der Dienst schreibt zu jeder Anfrage eine Zeile in sein Protokoll: IP-Adresse, Zeitpunkt, aufgerufene "
                  "Adresse und Ergebnis. Das Protokoll dient dem sicheren Betrieb (Art. 6 Abs. 1 UAbs. 1 lit. e DSGVO) "
                  "und wird nach den Vorgaben des Betreibers gelöscht.")
    else:
        visits = "Der Dienst selbst führt kein Protokoll der Seitenaufrufe mit IP-Adressen."
    web = settings.web
    if web.basemap_tiles:
        sources = (f"Schriften, Skripte und die Karteninhalte dieses Dienstes kommen von diesem Server. Die "
                   f"Hintergrundkarte lädt Ihr Browser jedoch direkt von {escape(web.basemap_provider or '')} "
                   f"({escape(web.basemap_origin or '')}). Dieser Anbieter erhält dabei Ihre IP-Adresse, die "
                   "Angaben Ihres Browsers (etwa Typ und Sprache) und den angezeigten Kartenausschnitt, nicht aber "
                   "Ihre Eingaben in Formulare. Die Hintergrundkarte macht die Lage der Flächen erkennbar "
                   "(Art. 6 Abs. 1 UAbs. 1 lit. e DSGVO); für die Verarbeitung beim Anbieter gilt dessen "
                   "Datenschutzerklärung.")
    else:
        sources = ("Karten, Schriften und Skripte kommen ausschließlich von diesem Server; beim Aufruf werden keine "
                   "Daten an Dritte übertragen.")
    versions = ", ".join(f"{CONSENT_NAMES.get(purpose, purpose)}: {escape(c['version'])}"
                         for purpose, c in consent.texts().items())
    body = f"""<h2>Verantwortlich</h2>
{_operator_block(settings)}
{dpo}
<h2>Aufruf der Seiten</h2>
<p>Diese Seiten setzen keine Cookies und keine Analyse- oder Trackingdienste ein. {sources} {visits}
Server des Betreibers, die diesem Dienst vorgeschaltet sind (etwa für die verschlüsselte Verbindung), können eigene
Protokolle führen.</p>
<h2>Schutz der Formulare vor Missbrauch</h2>
<p>Damit die Formulare nicht massenhaft missbraucht werden, zählt der Dienst Anfragen und Meldungen je Absender. Dafür
speichert er nicht die IP-Adresse, sondern nur einen daraus gebildeten, mit einem geheimen Wert verschlüsselten Prüfwert,
und zwar nur für die Dauer des Zählfensters von {window_min} Minuten (Art. 6 Abs. 1 UAbs. 1 lit. e DSGVO).</p>
<h2>Anfragen zu Flächen</h2>
<p>Mit dem Anfrageformular senden Sie Ihren Namen, Ihre E-Mail-Adresse, freiwillig Ihr Unternehmen und Ihre Nachricht
zu einer Fläche. Zweck ist die Beantwortung Ihrer Anfrage und die Vermarktung der Fläche; Rechtsgrundlage ist Ihre
Einwilligung (Art. 6 Abs. 1 UAbs. 1 lit. a DSGVO), deren Wortlaut, Fassung und Zeitpunkt mit der Anfrage gespeichert
werden. Lesen dürfen die Anfrage nur die für das Flächenmanagement zuständigen Beschäftigten der Gemeinde, in der die
Fläche liegt, und die Administration des Dienstes; jeder Lesezugriff wird mit seinem Zweck protokolliert. Die
Benachrichtigung dieser Beschäftigten per E-Mail enthält keine Angaben zu Ihrer Person. Die Gemeinde vermerkt zur
Anfrage, wie weit sie bearbeitet ist, und gegebenenfalls eine interne Notiz. Die Anfrage wird mit diesen Vermerken
{public.inquiry_retention_days} Tage nach ihrem Eingang gelöscht, auch in den Änderungsprotokollen.</p>
<h2>Meldungen von Leerstand und Brachflächen</h2>
<p>Mit dem Meldeformular senden Sie eine Beschreibung und einen Ort, freiwillig ein Foto (Metadaten wie Aufnahmeort
und Kamera entfernt der Dienst vor dem Speichern) und, nur mit Ihrer Einwilligung, Name, E-Mail-Adresse und Telefonnummer
für Rückfragen. Zweck ist die Erfassung möglicher Potenzialflächen durch die Gemeinde (Art. 6 Abs. 1 UAbs. 1 lit. e
DSGVO; für die Kontaktangaben Ihre Einwilligung, lit. a). Beschreibung und Ort können in das Flächenverzeichnis der
Gemeinde übernommen werden. Ihre Kontaktangaben werden {public.report_contact_retention_days} Tage nach der
Entscheidung über die Meldung gelöscht (solange nicht entschieden ist, ab ihrem Eingang).</p>
<h2>Empfänger und Übermittlung</h2>
<p>Ihre Angaben werden nicht an Dritte weitergegeben, nicht in Länder außerhalb der Europäischen Union übermittelt
und nicht für automatisierte Entscheidungen verwendet.</p>
<h2>Ihre Rechte</h2>
<p>Sie haben das Recht auf Auskunft (Art. 15 DSGVO), Berichtigung (Art. 16), Löschung (Art. 17), Einschränkung der
Verarbeitung (Art. 18) und Widerspruch (Art. 21). Eine Einwilligung können Sie jederzeit mit Wirkung für die Zukunft
widerrufen (Art. 7 Abs. 3). Wenden Sie sich dazu an die oben genannte verantwortliche Stelle und nennen Sie die
E-Mail-Adresse, die Sie angegeben haben, oder die Referenznummer Ihrer Anfrage oder Meldung. Sie können sich außerdem
bei der Aufsichtsbehörde beschweren (Art. 77 DSGVO): {escape(op.supervisory_authority)}.</p>
<p>Stand der Einwilligungstexte: {versions}.</p>"""
    return _page("Datenschutzerklärung", "Welche Daten dieser Dienst verarbeitet und welche Rechte Sie haben", body)


def accessibility_statement(settings: Settings) -> str:
    """Erklärung zur Barrierefreiheit: how far the public side meets the requirements, what does not, feedback
    and enforcement."""
    op = settings.operator
    contact = op.accessibility_contact or op.email
    feedback = (f'<a href="mailto:{escape(contact)}">{escape(contact)}</a>' if contact and "@" in contact
                else escape(contact) if contact else "die im Impressum genannte Stelle")
    reviewed = f" Die Erklärung wurde zuletzt am {escape(op.accessibility_reviewed)} überprüft." \
        if op.accessibility_reviewed else ""
    body = f"""{'' if op.name else MISSING}
<p>{escape(op.name or 'Der Betreiber')} ist bemüht, diesen Dienst im Einklang mit dem Thüringer Gesetz zur Inklusion und
Gleichstellung von Menschen mit Behinderungen (ThürGIG) und der Barrierefreie-Informationstechnik-Verordnung (BITV 2.0)
barrierefrei zugänglich zu machen. Diese Erklärung gilt für die öffentlichen Seiten des Flächenpools: die Kartenansicht,
die Seiten der Flächen, die Exposés und die Formulare.</p>
<h2>Stand der Vereinbarkeit mit den Anforderungen</h2>
<p>Die Seiten sind <strong>teilweise</strong> mit den Anforderungen der BITV 2.0 (EN 301 549, WCAG 2.1 Stufe AA)
vereinbar. Nicht barrierefrei sind:</p>
<ul>
<li>die Karte: Mit Tastatur und Bildschirmleser ist sie nur eingeschränkt bedienbar. Alle Flächen stehen auch in der
Liste neben der Karte und auf eigenen Seiten mit allen Angaben. Den Ort einer Meldung wählen Sie in der Karte (mit der
Maus oder, nachdem Sie die Karte mit den Pfeiltasten verschoben haben, mit „Kartenmitte übernehmen“); wem das nicht
möglich ist, kann eine Meldung auch formlos an die unten genannte Stelle senden.</li>
<li>die PDF-Exposés: Sie sind nicht als barrierefreie PDF-Dokumente (PDF/UA) ausgezeichnet. Die Seite jeder Fläche
enthält dieselben Angaben als barrierefreie Webseite.</li>
</ul>
<h2>Erstellung dieser Erklärung</h2>
<p>Die Erklärung beruht auf einer Selbstbewertung. Jede Programmversion wird vor ihrer Auslieferung automatisch mit
axe-core auf die Regeln der WCAG 2.1 (Stufen A und AA) geprüft, in der Ansicht für große und für kleine
Bildschirme.{reviewed}</p>
<h2>Barrieren melden</h2>
<p>Wenn Ihnen Barrieren auffallen oder Sie Inhalte in einer anderen Form benötigen, schreiben Sie an {feedback}.</p>
<h2>Durchsetzungsverfahren</h2>
<p>Erhalten Sie auf Ihre Rückmeldung innerhalb von sechs Wochen keine zufriedenstellende Antwort, können Sie sich an
{escape(op.accessibility_enforcement)} wenden.</p>"""
    return _page("Erklärung zur Barrierefreiheit", "Wie barrierefrei dieser Dienst ist und wo Sie Barrieren melden",
                 body)
