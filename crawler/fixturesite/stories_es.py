"""Spanish fixture articles of site A and the articles of site B, the syndication partner."""

from __future__ import annotations

from crawler.fixturesite.stories_en import STORIES as _EN
from crawler.fixturesite.story import Story

_DOCTORS = next(s for s in _EN if s.key == "en-doctors")

STORIES: tuple[Story, ...] = (
    Story(
        key="es-apagon",
        site="a",
        lang="es",
        path="/es/america-latina/apagon-general-cuba",
        section="América Latina",
        title="Un nuevo apagón general deja a Cuba sin electricidad",
        dek="La caída del sistema eléctrico nacional es la tercera en lo que va de año.",
        author="Laura Méndez",
        hours_ago=6,
        topics=("cuba",),
        links=("atom", "news-sitemap"),
        paragraphs=(
            "El sistema eléctrico nacional de Cuba colapsó el martes por la noche y dejó a oscuras a casi "
            "toda la isla, según informó la Unión Eléctrica en un breve comunicado difundido en las redes "
            "sociales.",
            "La avería comenzó en la central termoeléctrica Antonio Guiteras, en Matanzas, la mayor del país, "
            "y provocó una cadena de desconexiones en las provincias occidentales y centrales. Los técnicos "
            "trabajaron durante toda la madrugada para crear microsistemas que alimentaran hospitales y "
            "estaciones de bombeo.",
            "En La Habana, muchos vecinos sacaron colchones a los balcones para soportar el calor y cocinaron "
            "con carbón en la calle. La cobertura de telefonía móvil desapareció en pocas horas, cuando se "
            "agotaron las baterías de las antenas.",
            "Las centrales cubanas, construidas en su mayoría hace más de cuarenta años, sufren la falta de "
            "piezas de repuesto y de combustible. Fuera de la capital, los cortes programados superan con "
            "frecuencia las doce horas diarias.",
            "El Gobierno asegura que los nuevos parques solares aliviarán la situación el próximo año, pero "
            "los especialistas recuerdan que no producen electricidad de noche, cuando la demanda es mayor.",
        ),
    ),
    Story(
        key="es-maduro-dialogo",
        site="a",
        lang="es",
        path="/es/america-latina/maduro-propone-dialogo-nacional",
        section="América Latina",
        title="Maduro propone un diálogo nacional mientras crecen las protestas",
        dek="La oposición exige la liberación de los presos políticos antes de sentarse a negociar.",
        author="Andrés Colmenares",
        hours_ago=18,
        topics=("venezuela",),
        links=("atom",),
        comments=(("Mariela", "Ya hemos visto estos diálogos antes y nunca cambia nada."),),
        paragraphs=(
            "El presidente Nicolás Maduro propuso el jueves un «gran diálogo nacional» con todos los sectores "
            "políticos, en un discurso transmitido en cadena nacional desde el palacio de Miraflores, mientras "
            "las protestas por la falta de agua y electricidad se extienden por varios estados.",
            "Maduro dijo que el encuentro debería abordar la recuperación económica y el levantamiento de las "
            "sanciones, y encargó al presidente de la Asamblea Nacional la organización de las primeras "
            "reuniones.",
            "Los principales partidos de la oposición respondieron que no participarán mientras sigan detenidos "
            "cientos de manifestantes y dirigentes. «No se puede dialogar con una pistola en la cabeza», "
            "afirmó una de sus portavoces en Caracas.",
            "Las protestas comenzaron hace dos semanas en barrios populares del oeste del país, donde los "
            "vecinos llevan meses recibiendo agua por cisterna. La policía ha detenido a decenas de personas, "
            "según organizaciones de derechos humanos.",
            "Analistas venezolanos consideran que la propuesta busca ganar tiempo ante la presión internacional "
            "y dividir a una oposición que aún no ha decidido si participará en las próximas elecciones "
            "regionales.",
        ),
    ),
    Story(
        key="es-pdvsa-chevron",
        site="a",
        lang="es",
        path="/es/america-latina/pdvsa-chevron-faja-orinoco",
        section="América Latina",
        title="PDVSA y Chevron amplían la producción en la Faja del Orinoco",
        dek="Las empresas mixtas ya aportan casi un tercio del crudo del país.",
        author="Andrés Colmenares",
        hours_ago=28,
        topics=("venezuela",),
        links=("atom",),
        date_in_html="jsonld",
        paragraphs=(
            "Petróleos de Venezuela (PDVSA) y la estadounidense Chevron acordaron ampliar la producción de "
            "sus empresas mixtas en la Faja Petrolífera del Orinoco, según anunció el ministerio de "
            "Hidrocarburos en un comunicado.",
            "El plan prevé perforar más de cien pozos nuevos y rehabilitar instalaciones de mejoramiento de "
            "crudo pesado que llevaban años paralizadas. Las empresas calculan que la producción conjunta "
            "podría superar los 250.000 barriles diarios a finales del próximo año.",
            "Chevron opera en el país gracias a una licencia especial del Departamento del Tesoro de Estados "
            "Unidos, que le permite exportar crudo para recuperar deudas pendientes. Su participación se ha "
            "convertido en una de las principales fuentes de ingresos de la industria.",
            "Los trabajadores petroleros, sin embargo, denuncian salarios muy bajos y condiciones de "
            "seguridad deficientes en varios campos. Los sindicatos han convocado asambleas para exigir "
            "mejoras.",
            "Economistas venezolanos advierten de que el aumento de la producción dependerá de la estabilidad "
            "del suministro eléctrico y de la renovación de la licencia estadounidense, que vence cada seis "
            "meses.",
        ),
    ),
    Story(
        key="es-diaz-canel-santiago",
        site="a",
        lang="es",
        path="/es/america-latina/diaz-canel-recorre-santiago",
        section="América Latina",
        title="Díaz-Canel recorre Santiago de Cuba tras el paso del huracán",
        dek="El mandatario prometió materiales de construcción para las viviendas dañadas.",
        author="Laura Méndez",
        hours_ago=36,
        topics=("cuba",),
        links=("atom",),
        date_in_html="meta",
        paragraphs=(
            "El presidente Miguel Díaz-Canel recorrió este domingo los barrios más afectados de Santiago de "
            "Cuba, donde el huracán dejó miles de viviendas dañadas y cortes de electricidad que se prolongan "
            "desde hace casi una semana.",
            "Acompañado por autoridades provinciales, el mandatario visitó albergues en escuelas y conversó con "
            "familias que perdieron el techo de sus casas. Prometió el envío de tejas, cemento y madera en los "
            "próximos días.",
            "Varios vecinos se quejaron ante las cámaras de la lentitud de la ayuda. «Llevamos cinco días sin "
            "agua potable», dijo una mujer del reparto Los Olmos, antes de que los escoltas la apartaran.",
            "El huracán tocó tierra con vientos de más de 180 kilómetros por hora y provocó inundaciones en "
            "zonas costeras. La Defensa Civil evacuó a más de cien mil personas antes de su llegada.",
            "Las autoridades estiman que la recuperación de la red eléctrica en la provincia podría tardar "
            "varias semanas más por la falta de postes y cables.",
        ),
    ),
    Story(
        key="es-futbol",
        site="a",
        lang="es",
        path="/es/deportes/atletico-remonta-semifinales",
        section="Deportes",
        title="El Atlético remonta y se mete en las semifinales de la Copa",
        dek="Dos goles en los últimos diez minutos dieron la vuelta a la eliminatoria.",
        author="Javier Ruiz",
        hours_ago=10,
        topics=(),
        links=("atom",),
        paragraphs=(
            "El Atlético se clasificó el miércoles para las semifinales de la Copa tras remontar un 0-1 en los "
            "últimos diez minutos ante un rival que había dominado buena parte del partido.",
            "El equipo visitante se adelantó al cuarto de hora con un cabezazo tras un saque de esquina. El "
            "Atlético tuvo varias ocasiones antes del descanso, pero el portero rival detuvo dos disparos "
            "desde dentro del área.",
            "En la segunda parte, el entrenador dio entrada a dos delanteros jóvenes que cambiaron el ritmo "
            "del partido. El empate llegó en el minuto 81 y el gol de la victoria, de penalti, en el 88.",
            "«Este equipo nunca se rinde», declaró el capitán al final del encuentro, mientras la afición "
            "celebraba en las gradas. El sorteo de las semifinales se celebrará el viernes.",
            "El club confirmó que el central titular sufre una lesión muscular y se perderá al menos tres "
            "semanas de competición.",
        ),
    ),
    Story(
        key="es-calor",
        site="a",
        lang="es",
        path="/es/tiempo/ola-de-calor-temperaturas-record",
        section="El tiempo",
        title="Una ola de calor dispara las temperaturas a niveles récord",
        dek="Los meteorólogos prevén máximas de más de 44 grados en el interior durante el fin de semana.",
        author="Redacción",
        hours_ago=4,
        topics=(),
        links=("news-sitemap",),
        paragraphs=(
            "Una intensa ola de calor elevará las temperaturas a niveles récord en buena parte del país "
            "durante los próximos días, según el servicio nacional de meteorología, que ha activado el aviso "
            "rojo en varias provincias del interior.",
            "Se esperan máximas de entre 42 y 44 grados en los valles, y las mínimas no bajarán de 25 grados "
            "en muchas ciudades, lo que dificultará el descanso nocturno.",
            "Las autoridades sanitarias recomiendan beber agua con frecuencia, evitar la actividad física en "
            "las horas centrales del día y prestar especial atención a las personas mayores y a los niños.",
            "Los agricultores temen daños en los cultivos de secano, ya afectados por la falta de lluvias de "
            "la primavera. Los bomberos han reforzado la vigilancia ante el alto riesgo de incendios "
            "forestales.",
            "El episodio podría prolongarse hasta el martes, cuando la llegada de aire más fresco del norte "
            "permitirá un descenso de las temperaturas.",
        ),
    ),
    Story(
        key="es-derrumbes",
        site="a",
        lang="es",
        path="/es/america-latina/derrumbes-habana-vieja",
        section="América Latina",
        title="Los derrumbes en La Habana Vieja dejan a cientos de familias sin hogar",
        dek="Las lluvias de la última semana agravaron el deterioro de edificios centenarios.",
        author="Sofía Herrera",
        hours_ago=48,
        topics=("cuba",),
        links=("news-sitemap", "listing"),
        paragraphs=(
            "Al menos tres edificios se derrumbaron parcialmente en La Habana Vieja durante la última semana, "
            "tras varios días de lluvias intensas, y cientos de familias han tenido que abandonar sus "
            "viviendas por riesgo de colapso.",
            "En la calle Obispo, los vecinos sacaron sus pertenencias a la acera mientras los bomberos "
            "apuntalaban una fachada. «Vivíamos con miedo desde hace años», contó un jubilado que residía en "
            "el tercer piso.",
            "Según datos oficiales, miles de inmuebles de la capital cubana se encuentran en mal estado. La "
            "falta de materiales de construcción y de recursos para el mantenimiento ha acelerado el "
            "deterioro del centro histórico.",
            "Las familias afectadas han sido trasladadas a albergues temporales, donde algunas llevan años "
            "esperando una vivienda definitiva. Las autoridades prometieron priorizar su reubicación.",
            "Arquitectos cubanos advierten de que, sin un programa de rehabilitación a gran escala, los "
            "derrumbes seguirán repitiéndose en cada temporada de lluvias.",
            "Mientras tanto, muchos vecinos del barrio refuerzan por su cuenta techos y balcones con vigas de "
            "madera, a pesar de que los inspectores les han advertido de que esas reparaciones no bastan.",
        ),
    ),
    Story(
        key="es-inflacion",
        site="a",
        lang="es",
        path="/es/america-latina/inflacion-venezuela-se-acelera",
        section="América Latina",
        title="La inflación en Venezuela vuelve a acelerarse",
        dek="Los precios subieron más de un 8 % el último mes, según el observatorio independiente.",
        author="Andrés Colmenares",
        hours_ago=54,
        topics=("venezuela",),
        links=("news-sitemap",),
        paragraphs=(
            "La inflación en Venezuela volvió a acelerarse el mes pasado, con una subida de los precios de más "
            "del 8 %, según el Observatorio Venezolano de Finanzas, que publica sus cifras ante el retraso "
            "de los datos oficiales.",
            "El aumento coincide con una nueva depreciación del bolívar frente al dólar, que ha perdido casi "
            "un tercio de su valor desde principios de año. Los comerciantes ajustan las etiquetas varias "
            "veces por semana.",
            "Los alimentos y las medicinas encabezan las subidas. Una familia necesita ya varios cientos de "
            "dólares al mes para cubrir la canasta básica, mientras el salario mínimo apenas alcanza unos "
            "pocos dólares.",
            "El Banco Central ha aumentado la venta de divisas para contener el tipo de cambio, pero los "
            "economistas dudan de que pueda sostener esa política con los ingresos petroleros actuales.",
            "Muchos hogares dependen de las remesas enviadas por familiares que emigraron en los últimos años "
            "para llegar a fin de mes.",
        ),
    ),
    Story(
        key="es-remesas",
        site="a",
        lang="es",
        path="/es/america-latina/remesas-cuba-caen",
        section="América Latina",
        title="Las remesas a Cuba caen un 20 % por las nuevas restricciones",
        dek="Las agencias de envío denuncian demoras y comisiones más altas.",
        author="Laura Méndez",
        hours_ago=66,
        topics=("cuba",),
        links=("atom",),
        paragraphs=(
            "Las remesas enviadas a Cuba cayeron alrededor de un 20 % en los primeros nueve meses del año, "
            "según estimaciones de consultoras especializadas, debido a las restricciones bancarias y a la "
            "desconfianza en los canales oficiales.",
            "Las agencias de envío denuncian demoras de varias semanas y comisiones cada vez más altas. Muchos "
            "emigrados prefieren enviar dinero en efectivo a través de viajeros, las llamadas «mulas».",
            "Para miles de familias cubanas, las remesas son la principal fuente de ingresos. Con ellas "
            "compran alimentos en las tiendas en divisas y pagan a los pequeños negocios privados.",
            "El Gobierno intenta captar esos fondos con cuentas en moneda extranjera y tarjetas prepagadas, "
            "pero la diferencia entre la tasa oficial y la del mercado informal desanima a los usuarios.",
            "Los economistas prevén que la tendencia continúe mientras no se unifique el tipo de cambio.",
            "Algunas empresas de envío han empezado a ofrecer entregas de alimentos y medicinas en lugar de "
            "dinero en efectivo, un servicio cada vez más demandado por las familias de la isla.",
        ),
    ),
    # --- site B, "Diario del Caribe / Caribbean Daily": the syndication partner
    Story(
        key="b-doctors-copy",
        site="b",
        lang="en",
        path="/americas/cuban-doctors-overseas-missions",
        section="Americas",
        title=_DOCTORS.title,
        dek=_DOCTORS.dek,
        author=_DOCTORS.author,
        hours_ago=_DOCTORS.hours_ago,
        topics=_DOCTORS.topics,
        links=("b-feed",),
        traps=("syndicated_copy",),
        paragraphs=_DOCTORS.paragraphs,
    ),
    Story(
        key="b-frontera",
        site="b",
        lang="es",
        path="/venezuela/reabre-paso-frontera-colombia",
        section="Venezuela",
        title="Venezuela reabre un paso fronterizo clave con Colombia",
        dek="El puente internacional vuelve a permitir el paso de camiones de carga.",
        author="Redacción Diario del Caribe",
        hours_ago=15,
        topics=("venezuela",),
        links=("b-feed",),
        paragraphs=(
            "Venezuela reabrió este lunes al tránsito de carga el puente internacional que la une con "
            "Colombia en el estado Táchira, cerrado desde hace meses por disputas aduaneras.",
            "Decenas de camiones esperaban desde la madrugada para cruzar. Los transportistas celebraron la "
            "medida, aunque se quejaron de los largos trámites y de los controles a ambos lados.",
            "Los gremios empresariales venezolanos calculan que el comercio binacional podría duplicarse el "
            "próximo año si se mantienen abiertos los pasos y se simplifican los procedimientos.",
            "Las autoridades de ambos países anunciaron una comisión conjunta para combatir el contrabando de "
            "combustible y la extorsión de grupos armados en la zona.",
            "Los comerciantes de la frontera esperan que la reapertura reactive una economía local golpeada "
            "por años de cierres y restricciones.",
            "En San Antonio del Táchira, varios negocios que llevaban años cerrados volvieron a subir sus "
            "persianas. «Por fin vuelve a haber movimiento», dijo el dueño de una ferretería junto al puente.",
        ),
    ),
    Story(
        key="b-tormenta",
        site="b",
        lang="es",
        path="/clima/tormenta-tropical-se-fortalece",
        section="Clima",
        title="La tormenta tropical se fortalece y amenaza a Jamaica",
        dek="Los pronosticadores no descartan que se convierta en huracán en las próximas 36 horas.",
        author="Redacción Diario del Caribe",
        hours_ago=7,
        topics=(),
        links=("b-feed",),
        paragraphs=(
            "La tormenta tropical que avanza por el mar Caribe se fortaleció este martes y podría convertirse "
            "en huracán en las próximas 36 horas, según el Centro Nacional de Huracanes.",
            "Se han emitido avisos de tormenta para Jamaica y el suroeste de Haití, donde se esperan lluvias "
            "de hasta 300 milímetros que podrían provocar inundaciones repentinas y deslizamientos de tierra.",
            "Las autoridades jamaicanas abrieron refugios y pidieron a los pescadores que no salgan al mar. "
            "Varias aerolíneas cancelaron vuelos previstos para el miércoles.",
            "El sistema se desplaza hacia el oeste a unos 20 kilómetros por hora, con vientos máximos "
            "sostenidos de 100 kilómetros por hora.",
            "Los meteorólogos recuerdan que la temporada de huracanes no termina hasta finales de noviembre.",
            "En Puerto Príncipe, las autoridades de protección civil recomendaron a los habitantes de las zonas "
            "bajas que se trasladen a casas de familiares o a los refugios habilitados en escuelas e iglesias.",
        ),
    ),
)
