import logging

from api.journal import MasqueDonneesPersonnelles, masquer


def test_le_nir_n_apparait_pas_dans_le_journal_d_acces():
    assert masquer("GET /api/v1/affilies/268043306300158/cir HTTP/1.1") == "GET /api/v1/affilies/***NIR***/cir HTTP/1.1"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "PUT", "/api/v1/affilies/1680520063012/cir/2010", "1.1", 200),
        None,
    )
    MasqueDonneesPersonnelles().filter(record)
    assert "1680520063012" not in record.getMessage() and "/cir/2010" in record.getMessage()
