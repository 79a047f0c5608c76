"""Demo flyer for the running round: published by the demo moderator after the editor's first proof,
with a second proof round saved as a draft, so the PDF, the proof and the revision compare all have
something to show (only when the round has no flyer yet)."""

from __future__ import annotations

import io
from typing import TextIO

from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images.models import Image

from campaigns.models import Campaign
from core import demo_clock

from .models import Flyer, image_pixels_needed

IMAGE_TITLE = "チラシ: 仙台の街並み（デモ）"
STEPS = [
    ("参加施設を探す", "キャンペーンサイトの「参加施設のご案内」で、エリアや特徴から宿泊施設を探します。"),
    ("施設に予約する", "参加施設に直接、または旅行予約サイトからご予約ください。"),
    ("割引価格で支払う", "チェックアウトの際に、割引後の宿泊料金をお支払いください。"),
    ("アンケートに答える", "施設のQRコードからアンケートに答えると、抽選で仙台の特産品が当たります。"),
]


def demo_image() -> Image:
    """A generated skyline at the print size (2197 × 1040 px = 186 × 88 mm at 300 dpi)."""
    image = Image.objects.filter(title=IMAGE_TITLE).first()
    if image is not None:
        return image
    width, height = image_pixels_needed()
    canvas = PILImage.new("RGB", (width, height), (168, 208, 236))
    draw = ImageDraw.Draw(canvas)
    for band in range(12):  # an evening sky
        top = band * height // 20
        draw.rectangle(
            (0, top, width, top + height // 20), fill=(168 + band * 6, 208 - band * 3, 236 - band * 8)
        )
    buildings = [(0.02, 0.45), (0.1, 0.3), (0.2, 0.55), (0.33, 0.4), (0.45, 0.62), (0.58, 0.35),
                 (0.68, 0.5), (0.8, 0.28), (0.9, 0.44)]  # fmt: skip
    for left, tall in buildings:
        x = int(left * width)
        draw.rectangle((x, int(height * (1 - tall)), x + width // 12, height), fill=(38, 70, 110))
    draw.ellipse(
        (int(width * 0.72), int(height * 0.12), int(width * 0.8), int(height * 0.29)), fill=(255, 226, 122)
    )
    draw.rectangle((0, int(height * 0.9), width, height), fill=(34, 110, 60))
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=90)
    return Image.objects.create(title=IMAGE_TITLE, file=ImageFile(buffer, name="flyer-demo.jpg"))


def seed(out: TextIO) -> None:
    campaign = Campaign.objects.filter(slug="demo-current").first()
    if campaign is None or Flyer.objects.filter(campaign=campaign).exists():
        return
    users = get_user_model().objects
    editor = users.filter(username="editor").first()
    moderator = users.filter(username="moderator").first()
    flyer = Flyer(
        campaign=campaign,
        title="仙台に泊まって、おトクに旅しよう",
        catch_copy="参加施設のご宿泊が最大20%おトク！",
        image=demo_image(),
        image_alt="夕暮れの仙台の街並みのイラスト",
        steps=[("step", {"title": title, "text": text}) for title, text in STEPS],
        live=False,
    )
    # 第1回校正 → 承認 before the call for applications; 第2回校正 (the city asked for a stronger catch
    # copy for the reprint) saved as a draft in the last days, not yet approved.
    first = demo_clock.office_moment(demo_clock.office_days(campaign.application_start, -5), 2 * 60)
    approved = demo_clock.office_moment(demo_clock.office_days(campaign.application_start, -3), 6 * 60)
    second = demo_clock.office_slots_before(demo_clock.now(), 6, gap_minutes=60)[-1]
    with demo_clock.at(min(first, demo_clock.now())):
        flyer.full_clean()
        flyer.save()
        revision = flyer.save_revision(user=editor)
    with demo_clock.at(min(approved, demo_clock.now())):
        revision.publish(user=moderator)
    with demo_clock.at(second):
        flyer.catch_copy = "泊まって、食べて、仙台を満喫。宿泊料金が最大20%おトク！"
        flyer.full_clean()
        flyer.save_revision(user=editor)
    out.write("Demo flyer: published, with a second proof round as a draft.\n")
