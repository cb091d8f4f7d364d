from PIL import Image, ImageDraw

from dotsocr.blank import is_blank


def test_white_and_uniform_pages_are_blank():
    assert is_blank(Image.new("RGB", (1654, 2339), "white"))
    assert is_blank(Image.new("RGB", (800, 600), (200, 190, 170)))  # tinted paper
    assert is_blank(Image.new("RGB", (1, 1), "white"))


def test_a_lone_page_number_is_not_blank():
    page = Image.new("RGB", (1654, 2339), "white")
    ImageDraw.Draw(page).text((820, 2250), "7", fill="black", font_size=28)
    assert not is_blank(page)


def test_a_few_specks_stay_blank():
    page = Image.new("RGB", (1654, 2339), "white")
    for x in range(0, 1600, 400):
        page.putpixel((x, 100), (0, 0, 0))
    assert is_blank(page)
