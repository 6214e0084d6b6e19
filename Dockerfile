# Production image: gunicorn serves the web; the same image runs the Celery worker and beat.
FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/base.lock requirements/base.lock
RUN pip install --no-cache-dir -r requirements/base.lock
COPY --from=frontend /app/node_modules ./node_modules
COPY . .
RUN DEBUG=1 python manage.py compilemessages -v0 --ignore='node_modules/*' \
    && DEBUG=1 python manage.py collectstatic --no-input -v0
RUN useradd --system --uid 10001 inntak && mkdir -p /app/var/media && chown -R inntak /app/var
USER inntak
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
