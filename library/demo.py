"""The demo library: published entries over several markets in Spanish and Portuguese (some also in
English), written by the demo clusters' facilitators, and two entries grown from accepted demo
answers (proposed and published through the services, so the demo program pays their authors).

Entries are found again by their original title, so running the seed twice changes nothing. The
texts are short plain-language guides; each names the official body and links its site, and a reader
must still check the current rules there (dates and lists change).
"""

import datetime

from django.utils import timezone

from clusters.models import User
from library import services
from library.models import Entry, EntryText
from questions.models import Question

FDA = ("FDA: Food Facility Registration", "https://www.fda.gov/food/online-registration-food-facilities")
PRIOR_NOTICE = ("FDA: Prior Notice of Imported Foods", "https://www.fda.gov/food/importing-food-products-united-states/prior-notice-imported-foods")
FSVP = ("FDA: FSMA Foreign Supplier Verification Programs", "https://www.fda.gov/food/food-safety-modernization-act-fsma/fsma-final-rule-foreign-supplier-verification-programs-fsvp-importers-food-humans-and-animals")
EUDR = ("European Commission: Regulation on deforestation-free products", "https://environment.ec.europa.eu/topics/forests/deforestation/regulation-deforestation-free-products_en")
ACCESS2MARKETS = ("European Commission: Access2Markets", "https://trade.ec.europa.eu/access-to-markets/en/home")
EU_ORGANIC = ("European Commission: Organic farming", "https://agriculture.ec.europa.eu/farming/organic-farming_en")
EU_CONTAMINANTS = ("European Commission: Contaminants in food", "https://food.ec.europa.eu/food-safety/chemical-safety/contaminants_en")
EU_IUU = ("European Commission: Illegal, unreported and unregulated fishing", "https://oceans-and-fisheries.ec.europa.eu/fisheries/rules/illegal-fishing_en")
GDPR = ("European Commission: Data protection", "https://commission.europa.eu/law/law-topic/data-protection_en")
NOAA_SIMP = ("NOAA Fisheries: Seafood Import Monitoring Program", "https://www.fisheries.noaa.gov/international/seafood-import-monitoring-program")
FTC_TEXTILE = ("FTC: Threading your way through the labeling requirements", "https://www.ftc.gov/business-guidance/resources/threading-your-way-through-labeling-requirements-under-textile-wool-acts")
IRS_W8 = ("IRS: About Form W-8BEN-E", "https://www.irs.gov/forms-pubs/about-form-w-8-ben-e")
ICC_INCOTERMS = ("ICC: Incoterms rules", "https://iccwbo.org/business-solutions/incoterms-rules/")
ICC = ("International Chamber of Commerce", "https://iccwbo.org/")
MHLW = ("MHLW: Imported foods", "https://www.mhlw.go.jp/english/topics/importedfoods/")
MAFF_JAS = ("MAFF: Japanese Agricultural Standards (JAS)", "https://www.maff.go.jp/e/policies/standard/jas/")
JETRO = ("JETRO", "https://www.jetro.go.jp/en/")
MAFF_PLANT = ("MAFF Plant Protection Station", "https://www.maff.go.jp/pps/j/introduction/english.html")
IPPC = ("IPPC: International Plant Protection Convention", "https://www.ippc.int/en/")
GACC = ("General Administration of Customs of China", "http://english.customs.gov.cn/")
CFIA = ("CFIA: Licences for food businesses", "https://inspection.canada.ca/en/food-licences")
CBSA = ("Canada Border Services Agency", "https://www.cbsa-asfc.gc.ca/")
CA_TEXTILE = ("Competition Bureau Canada: Textile labelling", "https://competition-bureau.canada.ca/textile-labelling")
SCA = ("Specialty Coffee Association", "https://sca.coffee/")

# facilitator, markets, topics, sources, months since last checked, {language: (title, summary, steps)}
ENTRIES = [
    ("lucia@demo.puente", ["US"], ["customs", "certifications"], [FDA, PRIOR_NOTICE], 2, {
        "es": ("Registro de instalación ante la FDA y aviso previo para exportar alimentos a EE. UU.",
               "Toda instalación extranjera que fabrica, procesa, empaca o almacena alimentos para EE. UU. "
               "se registra ante la FDA y renueva el registro cada dos años. Cada embarque necesita un aviso "
               "previo (Prior Notice) antes de llegar.",
               "Nombra un agente en EE. UU. (obligatorio para instalaciones extranjeras)\n"
               "Registra la instalación en el portal de la FDA y guarda el número\n"
               "Renueva el registro entre octubre y diciembre de cada año par\n"
               "Acuerda con tu importador quién presenta el Prior Notice de cada embarque"),
        "pt": ("Registro de instalação na FDA e notificação prévia para exportar alimentos aos EUA",
               "Toda instalação estrangeira que fabrica, processa, embala ou armazena alimentos para os EUA "
               "se registra na FDA e renova o registro a cada dois anos. Cada embarque precisa de uma "
               "notificação prévia (Prior Notice) antes da chegada.",
               "Nomeie um agente nos EUA (obrigatório para instalações estrangeiras)\n"
               "Registre a instalação no portal da FDA e guarde o número\n"
               "Renove o registro entre outubro e dezembro de cada ano par\n"
               "Combine com o importador quem envia o Prior Notice de cada embarque"),
        "en": ("FDA facility registration and prior notice for food exports to the US",
               "Every foreign facility that manufactures, processes, packs or holds food for the US registers "
               "with the FDA and renews every two years. Each shipment needs a Prior Notice before it arrives.",
               "Appoint a US agent (required for foreign facilities)\n"
               "Register the facility on the FDA portal and keep the number\n"
               "Renew between October and December of every even-numbered year\n"
               "Agree with your importer who files the Prior Notice for each shipment"),
    }),
    ("lucia@demo.puente", ["US"], ["certifications", "legal"], [FSVP], 3, {
        "es": ("FSMA: qué te pedirá tu importador por el programa FSVP",
               "Con la Ley de Modernización de la Inocuidad Alimentaria (FSMA), el importador en EE. UU. debe "
               "verificar a sus proveedores extranjeros (FSVP). En la práctica te pedirá documentos sobre "
               "cómo controlas los peligros de tu producto.",
               "Ten por escrito tu análisis de peligros y controles\n"
               "Guarda registros de limpieza, control de plagas y lotes\n"
               "Prepara certificados o auditorías que ya tengas (BPM, HACCP, esquemas GFSI)\n"
               "Pregunta al importador qué formato de evidencia prefiere"),
        "pt": ("FSMA: o que o importador vai pedir pelo programa FSVP",
               "Com a Lei de Modernização da Segurança dos Alimentos (FSMA), o importador nos EUA precisa "
               "verificar seus fornecedores estrangeiros (FSVP). Na prática ele vai pedir documentos sobre "
               "como você controla os perigos do seu produto.",
               "Tenha por escrito sua análise de perigos e controles\n"
               "Guarde registros de limpeza, controle de pragas e lotes\n"
               "Separe certificados ou auditorias que já tenha (BPF, APPCC, esquemas GFSI)\n"
               "Pergunte ao importador qual formato de evidência ele prefere"),
    }),
    ("marina@demo.puente", ["US"], ["customs", "certifications"], [NOAA_SIMP, FDA], 4, {
        "es": ("Exportar camarón a EE. UU.: HACCP de productos pesqueros y programa SIMP",
               "La FDA exige que los productos pesqueros se elaboren bajo un plan HACCP. Para algunas especies, "
               "entre ellas el camarón, el importador debe reportar datos de captura o cultivo al programa "
               "SIMP de NOAA Fisheries.",
               "Ten un plan HACCP de productos pesqueros vigente y registros al día\n"
               "Registra la planta ante la FDA\n"
               "Reúne por lote los datos de origen: granja o barco, fecha y lugar de cosecha\n"
               "Entrega esos datos a tu importador antes del embarque"),
        "pt": ("Exportar camarão para os EUA: APPCC de pescados e programa SIMP",
               "A FDA exige que pescados sejam processados sob um plano APPCC (HACCP). Para algumas espécies, "
               "entre elas o camarão, o importador precisa informar dados de captura ou cultivo ao programa "
               "SIMP da NOAA Fisheries.",
               "Mantenha um plano APPCC de pescados e registros em dia\n"
               "Registre a planta na FDA\n"
               "Reúna por lote os dados de origem: fazenda ou barco, data e local da despesca\n"
               "Entregue esses dados ao importador antes do embarque"),
    }),
    ("isabel@demo.puente", ["US"], ["packaging", "legal"], [FTC_TEXTILE], 5, {
        "es": ("Etiquetas de ropa para EE. UU.: fibra, país de origen e identidad del fabricante",
               "La Comisión Federal de Comercio (FTC) exige que las prendas indiquen la composición de fibras "
               "en porcentajes, el país de origen y quién las fabrica o vende (nombre o número RN). Las "
               "instrucciones de cuidado también son obligatorias.",
               "Indica cada fibra con su nombre genérico y porcentaje\n"
               "Indica el país de origen (por ejemplo «Made in Honduras»)\n"
               "Incluye el nombre de la empresa o el número RN del importador\n"
               "Cose una etiqueta de cuidado permanente"),
        "pt": ("Etiquetas de roupa para os EUA: fibra, país de origem e identidade do fabricante",
               "A Comissão Federal de Comércio (FTC) exige que as peças indiquem a composição das fibras em "
               "porcentagem, o país de origem e quem as fabrica ou vende (nome ou número RN). As instruções "
               "de cuidado também são obrigatórias.",
               "Indique cada fibra pelo nome genérico e porcentagem\n"
               "Indique o país de origem (por exemplo «Made in Brazil»)\n"
               "Inclua o nome da empresa ou o número RN do importador\n"
               "Costure uma etiqueta de cuidados permanente"),
        "en": ("Apparel labels for the US: fibre, country of origin and maker's identity",
               "The Federal Trade Commission (FTC) requires garments to show fibre content in percentages, "
               "the country of origin, and who makes or sells them (name or RN number). Care instructions "
               "are required too.",
               "State each fibre by its generic name and percentage\n"
               "State the country of origin (for example “Made in Honduras”)\n"
               "Include the company name or the importer's RN number\n"
               "Sew in a permanent care label"),
    }),
    ("martin@demo.puente", ["US"], ["payments", "legal"], [IRS_W8], 6, {
        "es": ("Vender servicios de software a clientes de EE. UU.: el formulario W-8BEN-E",
               "Cuando tu empresa presta servicios desde fuera de EE. UU., tu cliente suele pedirte el "
               "formulario W-8BEN-E del IRS para documentar que eres una entidad extranjera. Revisa con tu "
               "contador si existe un convenio para evitar la doble imposición con tu país.",
               "Descarga el W-8BEN-E de la página del IRS\n"
               "Llénalo con los datos de tu empresa y firma como representante\n"
               "Pregunta a tu contador por la retención en la fuente y los convenios\n"
               "Factura en la moneda acordada e indica que el servicio se presta en el exterior"),
        "pt": ("Vender serviços de software a clientes dos EUA: o formulário W-8BEN-E",
               "Quando sua empresa presta serviços de fora dos EUA, o cliente costuma pedir o formulário "
               "W-8BEN-E do IRS para documentar que você é uma entidade estrangeira. Confira com seu contador "
               "se há acordo para evitar a bitributação com o seu país.",
               "Baixe o W-8BEN-E na página do IRS\n"
               "Preencha com os dados da empresa e assine como representante\n"
               "Pergunte ao contador sobre imposto retido na fonte e acordos\n"
               "Fature na moeda combinada e indique que o serviço é prestado no exterior"),
        "en": ("Selling software services to US clients: Form W-8BEN-E",
               "When your firm provides services from outside the US, your client will usually ask for the "
               "IRS Form W-8BEN-E to document that you are a foreign entity. Check with your accountant "
               "whether your country has a tax treaty with the US.",
               "Download Form W-8BEN-E from the IRS site\n"
               "Fill it in with your firm's details and sign as its representative\n"
               "Ask your accountant about withholding tax and treaties\n"
               "Invoice in the agreed currency and state that the service is performed abroad"),
    }),
    ("valentina@demo.puente", ["DE", "FR", "BE", "NL"], ["certifications", "legal"], [EUDR], 1, {
        "es": ("Reglamento europeo de deforestación (EUDR) para café y cacao",
               "El Reglamento (UE) 2023/1115 exige que el café, el cacao y otros productos vendidos en la UE "
               "no vengan de tierras deforestadas después del 31 de diciembre de 2020 y que se pueda ubicar "
               "cada parcela. Sus fechas de aplicación se han aplazado: revísalas en la página de la Comisión.",
               "Georreferencia cada parcela (un punto; un polígono si mide más de 4 hectáreas)\n"
               "Guarda las compras por productor y lote para la trazabilidad\n"
               "Entrega los datos a tu importador, que presenta la declaración de diligencia debida\n"
               "Evita mezclar lotes sin trazabilidad con lotes trazados"),
        "pt": ("Regulamento europeu de desmatamento (EUDR) para café e cacau",
               "O Regulamento (UE) 2023/1115 exige que café, cacau e outros produtos vendidos na UE não venham "
               "de terras desmatadas após 31 de dezembro de 2020 e que cada parcela possa ser localizada. As "
               "datas de aplicação foram adiadas: confira na página da Comissão.",
               "Georreferencie cada parcela (um ponto; um polígono se tiver mais de 4 hectares)\n"
               "Guarde as compras por produtor e lote para a rastreabilidade\n"
               "Entregue os dados ao importador, que apresenta a declaração de diligência devida\n"
               "Não misture lotes sem rastreabilidade com lotes rastreados"),
        "en": ("EU deforestation regulation (EUDR) for coffee and cocoa",
               "Regulation (EU) 2023/1115 requires coffee, cocoa and other products sold in the EU not to come "
               "from land deforested after 31 December 2020, and every plot to be located. Its application "
               "dates have been postponed: check them on the Commission's page.",
               "Geolocate every plot (a point; a polygon above 4 hectares)\n"
               "Keep purchases by producer and lot for traceability\n"
               "Give the data to your importer, who files the due diligence statement\n"
               "Do not mix untraced lots with traced ones"),
    }),
    ("valentina@demo.puente", ["DE", "FR"], ["certifications"], [EU_ORGANIC], 7, {
        "es": ("Vender cacao orgánico en la UE: certificación y certificado de inspección",
               "Para vender como orgánico en la UE, tu producto debe estar certificado por un organismo de "
               "control reconocido por la UE, y cada envío viaja con un certificado de inspección electrónico "
               "emitido en el sistema TRACES.",
               "Elige un organismo de control reconocido por la UE para tu país\n"
               "Mantén separados los lotes orgánicos de los convencionales\n"
               "Pide el certificado de inspección en TRACES antes de embarcar\n"
               "Verifica que tu importador esté registrado como operador orgánico"),
        "pt": ("Vender cacau orgânico na UE: certificação e certificado de inspeção",
               "Para vender como orgânico na UE, o produto precisa ser certificado por um organismo de "
               "controle reconhecido pela UE, e cada envio segue com um certificado de inspeção eletrônico "
               "emitido no sistema TRACES.",
               "Escolha um organismo de controle reconhecido pela UE para o seu país\n"
               "Mantenha lotes orgânicos separados dos convencionais\n"
               "Solicite o certificado de inspeção no TRACES antes do embarque\n"
               "Confirme que o importador está registrado como operador orgânico"),
    }),
    ("valentina@demo.puente", ["DE", "FR", "BE"], ["certifications"], [EU_CONTAMINANTS], 14, {
        "es": ("Cadmio en cacao y chocolate: límites de la UE",
               "La UE fija contenidos máximos de cadmio para el chocolate y el cacao en polvo (Reglamento (UE) "
               "2023/915). El chocolatero comprador te pedirá análisis de tus granos, sobre todo si tus suelos "
               "son volcánicos.",
               "Analiza el cadmio de cada lote en un laboratorio acreditado\n"
               "Conoce qué producto hará tu comprador: los límites cambian según el contenido de cacao\n"
               "Mezcla orígenes solo si conoces el resultado de cada uno\n"
               "Guarda los informes para enviarlos con las muestras"),
        "pt": ("Cádmio em cacau e chocolate: limites da UE",
               "A UE fixa teores máximos de cádmio para chocolate e cacau em pó (Regulamento (UE) 2023/915). O "
               "chocolatier comprador vai pedir análises das suas amêndoas, principalmente se os solos forem "
               "vulcânicos.",
               "Analise o cádmio de cada lote em laboratório acreditado\n"
               "Saiba que produto o comprador vai fazer: os limites mudam com o teor de cacau\n"
               "Misture origens só se conhecer o resultado de cada uma\n"
               "Guarde os laudos para enviar com as amostras"),
    }),
    ("lucia@demo.puente", ["DE", "NL"], ["market-entry", "pricing"], [SCA], 3, {
        "es": ("Catación SCA: cómo preparar muestras para tostadores de especialidad en Alemania",
               "Los tostadores de especialidad compran por puntaje de catación SCA y por consistencia entre la "
               "muestra de preembarque y el lote que llega. Una buena muestra abre la conversación sobre "
               "precio.",
               "Envía muestras de 200–300 g de café verde por lote, bien identificadas\n"
               "Incluye variedad, proceso, altura, humedad y tu propio puntaje de catación\n"
               "Manda la muestra de preembarque del mismo lote que vas a despachar\n"
               "Pregunta al tostador sus notas de catación y ajusta tu oferta"),
        "pt": ("Prova de xícara SCA: como preparar amostras para torrefadores especiais na Alemanha",
               "Torrefadores de cafés especiais compram pela pontuação SCA e pela consistência entre a amostra "
               "de pré-embarque e o lote que chega. Uma boa amostra abre a conversa sobre preço.",
               "Envie amostras de 200–300 g de café verde por lote, bem identificadas\n"
               "Inclua variedade, processo, altitude, umidade e a sua própria pontuação\n"
               "Mande a amostra de pré-embarque do mesmo lote que vai despachar\n"
               "Peça ao torrefador as notas da prova e ajuste a sua oferta"),
    }),
    ("lucia@demo.puente", ["DE", "FR", "NL"], ["customs"], [ACCESS2MARKETS], 4, {
        "es": ("Aranceles y requisitos de la UE: buscar tu código arancelario en Access2Markets",
               "La herramienta Access2Markets de la Comisión Europea muestra, por código arancelario (SA) y "
               "país de origen, el arancel, las preferencias de los acuerdos comerciales y los requisitos del "
               "producto.",
               "Identifica el código SA de tu producto (6 dígitos; la UE usa 8 o 10)\n"
               "Búscalo en Access2Markets con tu país de origen y el país de destino\n"
               "Revisa si un acuerdo comercial te da arancel preferencial y qué prueba de origen pide\n"
               "Descarga la lista de requisitos y compártela con tu importador"),
        "pt": ("Tarifas e requisitos da UE: encontrar seu código SH no Access2Markets",
               "A ferramenta Access2Markets da Comissão Europeia mostra, por código SH e país de origem, a "
               "tarifa, as preferências dos acordos comerciais e os requisitos do produto.",
               "Identifique o código SH do produto (6 dígitos; a UE usa 8 ou 10)\n"
               "Pesquise no Access2Markets com o país de origem e o de destino\n"
               "Veja se um acordo comercial dá tarifa preferencial e qual prova de origem exige\n"
               "Baixe a lista de requisitos e compartilhe com o importador"),
    }),
    ("martin@demo.puente", ["DE", "ES"], ["legal"], [GDPR], 5, {
        "es": ("Servicios de software para clientes europeos: RGPD y contrato de encargo de tratamiento",
               "Si tu empresa trata datos personales de un cliente en la UE, el Reglamento General de "
               "Protección de Datos (RGPD) exige un contrato de encargo de tratamiento y, para transferir los "
               "datos fuera de la UE, una base como las cláusulas contractuales tipo.",
               "Firma un contrato de encargo de tratamiento (artículo 28 del RGPD)\n"
               "Acuerda las cláusulas contractuales tipo si los datos salen de la UE\n"
               "Documenta tus medidas de seguridad (accesos, copias, cifrado)\n"
               "Ten un procedimiento para avisar de incidentes al cliente"),
        "pt": ("Serviços de software para clientes europeus: RGPD e contrato de operador",
               "Se sua empresa trata dados pessoais de um cliente na UE, o Regulamento Geral de Proteção de "
               "Dados (RGPD) exige um contrato de operador e, para transferir os dados para fora da UE, uma "
               "base como as cláusulas contratuais-tipo.",
               "Assine um contrato de operador (artigo 28 do RGPD)\n"
               "Acorde as cláusulas contratuais-tipo se os dados saírem da UE\n"
               "Documente suas medidas de segurança (acessos, backups, criptografia)\n"
               "Tenha um procedimento para avisar o cliente de incidentes"),
        "en": ("Software services for European clients: GDPR and the data processing agreement",
               "If your firm processes personal data for a client in the EU, the General Data Protection "
               "Regulation (GDPR) requires a data processing agreement and, for transfers outside the EU, a "
               "basis such as the standard contractual clauses.",
               "Sign a data processing agreement (GDPR Article 28)\n"
               "Agree the standard contractual clauses if data leaves the EU\n"
               "Document your security measures (access, backups, encryption)\n"
               "Have a procedure to tell the client about incidents"),
    }),
    ("marina@demo.puente", ["ES", "FR", "DE"], ["customs", "certifications"], [EU_IUU], 6, {
        "es": ("Exportar productos del mar a la UE: país y planta autorizados, y certificado de captura",
               "La UE solo admite productos pesqueros de países y establecimientos incluidos en sus listas "
               "sanitarias, con certificado sanitario oficial. Los productos de pesca silvestre viajan además "
               "con un certificado de captura contra la pesca ilegal (INDNR).",
               "Confirma que tu país y tu planta están en las listas de la UE\n"
               "Coordina con la autoridad sanitaria de tu país el certificado sanitario\n"
               "Para pesca silvestre, pide el certificado de captura validado\n"
               "Revisa las etiquetas: especie, zona de captura y método de producción"),
        "pt": ("Exportar pescados para a UE: país e planta habilitados, e certificado de captura",
               "A UE só aceita pescados de países e estabelecimentos incluídos em suas listas sanitárias, com "
               "certificado sanitário oficial. Produtos da pesca extrativa seguem ainda com um certificado de "
               "captura contra a pesca ilegal (INN).",
               "Confirme que seu país e sua planta estão nas listas da UE\n"
               "Coordene o certificado sanitário com a autoridade sanitária do seu país\n"
               "Para pesca extrativa, solicite o certificado de captura validado\n"
               "Revise os rótulos: espécie, zona de captura e método de produção"),
    }),
    ("lucia@demo.puente", ["JP"], ["customs", "certifications"], [MHLW], 3, {
        "es": ("Japón: notificación de importación de alimentos ante el MHLW",
               "Cada importación de alimentos a Japón se notifica a la estación de cuarentena del Ministerio "
               "de Salud, Trabajo y Bienestar (MHLW) según la Ley de Sanidad de Alimentos. Lo hace el "
               "importador, pero te pedirá la composición y el proceso de tu producto.",
               "Prepara la lista completa de ingredientes y aditivos\n"
               "Describe el proceso de elaboración en una página\n"
               "Pregunta al importador si la primera importación pasará análisis de laboratorio\n"
               "Usa los mismos datos en la factura, la lista de empaque y las etiquetas"),
        "pt": ("Japão: notificação de importação de alimentos ao MHLW",
               "Toda importação de alimentos ao Japão é notificada à estação de quarentena do Ministério da "
               "Saúde, Trabalho e Bem-Estar (MHLW) pela Lei de Sanidade dos Alimentos. Quem faz é o importador, "
               "mas ele vai pedir a composição e o processo do seu produto.",
               "Prepare a lista completa de ingredientes e aditivos\n"
               "Descreva o processo de fabricação em uma página\n"
               "Pergunte ao importador se a primeira importação passará por análise de laboratório\n"
               "Use os mesmos dados na fatura, no romaneio e nos rótulos"),
    }),
    ("lucia@demo.puente", ["JP"], ["certifications"], [MAFF_JAS], 8, {
        "es": ("Café orgánico en Japón: la certificación JAS",
               "En Japón solo se puede vender un producto agrícola como orgánico con el sello JAS orgánico del "
               "Ministerio de Agricultura (MAFF), o con una certificación de un país reconocido como "
               "equivalente y el trámite del importador.",
               "Pregunta a tu certificadora si ofrece certificación JAS orgánica\n"
               "Verifica si la certificación de tu país es reconocida como equivalente\n"
               "Acuerda con el importador quién pone el sello JAS\n"
               "No uses la palabra «orgánico» en japonés sin el sello"),
        "pt": ("Café orgânico no Japão: a certificação JAS",
               "No Japão um produto agrícola só pode ser vendido como orgânico com o selo JAS orgânico do "
               "Ministério da Agricultura (MAFF), ou com certificação de um país reconhecido como equivalente "
               "e o trâmite do importador.",
               "Pergunte à sua certificadora se oferece certificação JAS orgânica\n"
               "Verifique se a certificação do seu país é reconhecida como equivalente\n"
               "Combine com o importador quem aplica o selo JAS\n"
               "Não use a palavra «orgânico» em japonês sem o selo"),
    }),
    ("lucia@demo.puente", ["JP", "CN"], ["customs", "certifications"], [IPPC, MAFF_PLANT], 4, {
        "es": ("Certificado fitosanitario para café verde y cacao en grano",
               "El certificado fitosanitario lo emite la organización nacional de protección fitosanitaria de "
               "tu país, según los requisitos del país de destino. Japón y China inspeccionan los productos "
               "vegetales a su llegada.",
               "Consulta los requisitos del país de destino para tu producto\n"
               "Solicita la inspección a la autoridad fitosanitaria de tu país antes de cargar\n"
               "Revisa que el certificado coincida con la factura y el conocimiento de embarque\n"
               "Envía una copia al importador antes de que llegue la carga"),
        "pt": ("Certificado fitossanitário para café verde e cacau em amêndoas",
               "O certificado fitossanitário é emitido pela organização nacional de proteção fitossanitária do "
               "seu país, segundo os requisitos do país de destino. Japão e China inspecionam produtos "
               "vegetais na chegada.",
               "Consulte os requisitos do país de destino para o seu produto\n"
               "Solicite a inspeção à autoridade fitossanitária do seu país antes de carregar\n"
               "Confira se o certificado bate com a fatura e o conhecimento de embarque\n"
               "Envie uma cópia ao importador antes da chegada da carga"),
        "en": ("Phytosanitary certificate for green coffee and cocoa beans",
               "The phytosanitary certificate is issued by your country's national plant protection "
               "organisation, to the importing country's requirements. Japan and China inspect plant "
               "products on arrival.",
               "Look up the importing country's requirements for your product\n"
               "Ask your plant health authority for the inspection before loading\n"
               "Check that the certificate matches the invoice and the bill of lading\n"
               "Send a copy to the importer before the cargo arrives"),
    }),
    ("martin@demo.puente", ["JP"], ["market-entry", "fairs"], [JETRO], 6, {
        "es": ("Encontrar compradores en Japón: JETRO, ferias y paciencia",
               "La Organización de Comercio Exterior de Japón (JETRO) publica guías por sector y organiza "
               "encuentros. Los compradores japoneses valoran la consistencia y las relaciones largas: "
               "espera varias reuniones antes del primer pedido.",
               "Lee la guía de JETRO de tu sector\n"
               "Prepara una presentación breve, con fotos y datos técnicos, traducida al japonés\n"
               "Lleva muestras idénticas a lo que venderás\n"
               "Responde rápido y por escrito a cada pregunta"),
        "pt": ("Encontrar compradores no Japão: JETRO, feiras e paciência",
               "A Organização de Comércio Exterior do Japão (JETRO) publica guias por setor e organiza "
               "rodadas. Compradores japoneses valorizam consistência e relações longas: espere várias reuniões "
               "antes do primeiro pedido.",
               "Leia o guia da JETRO do seu setor\n"
               "Prepare uma apresentação curta, com fotos e dados técnicos, traduzida para o japonês\n"
               "Leve amostras idênticas ao que vai vender\n"
               "Responda rápido e por escrito a cada pergunta"),
    }),
    ("marina@demo.puente", ["CN"], ["customs", "certifications"], [GACC], 5, {
        "es": ("China: registro de fabricantes extranjeros de alimentos ante la GACC",
               "La Administración General de Aduanas de China (GACC) exige el registro de los fabricantes "
               "extranjeros de alimentos. Para productos como los pesqueros, o el café y cacao sin tostar, el "
               "registro lo recomienda la autoridad competente de tu país.",
               "Pregunta a la autoridad sanitaria de tu país cómo se tramita para tu producto\n"
               "Registra tu planta y pon el número de registro en los envases\n"
               "Revisa si hay un protocolo sanitario firmado entre tu país y China\n"
               "Prepara etiquetas en chino para los productos preenvasados"),
        "pt": ("China: registro de fabricantes estrangeiros de alimentos na GACC",
               "A Administração Geral de Alfândegas da China (GACC) exige o registro dos fabricantes "
               "estrangeiros de alimentos. Para produtos como pescados, ou café e cacau não torrados, o "
               "registro é recomendado pela autoridade competente do seu país.",
               "Pergunte à autoridade sanitária do seu país como tramitar para o seu produto\n"
               "Registre a planta e ponha o número de registro nas embalagens\n"
               "Veja se há protocolo sanitário assinado entre seu país e a China\n"
               "Prepare rótulos em chinês para produtos pré-embalados"),
    }),
    ("isabel@demo.puente", ["CN", "JP"], ["fairs", "market-entry"], [JETRO], 9, {
        "es": ("Ferias en Asia para confección: preparar la visita",
               "En las ferias de Asia los compradores comparan cientos de proveedores en pocos días. Llega "
               "con precios por volumen, tiempos de entrega realistas y muestras de tu mejor línea.",
               "Define tu pedido mínimo y tus precios FOB por volumen\n"
               "Lleva fichas técnicas con tallas y composición\n"
               "Agenda reuniones antes de la feria\n"
               "Haz seguimiento en la semana siguiente"),
        "pt": ("Feiras na Ásia para confecção: preparar a visita",
               "Nas feiras da Ásia os compradores comparam centenas de fornecedores em poucos dias. Chegue com "
               "preços por volume, prazos de entrega realistas e amostras da sua melhor linha.",
               "Defina seu pedido mínimo e seus preços FOB por volume\n"
               "Leve fichas técnicas com tamanhos e composição\n"
               "Agende reuniões antes da feira\n"
               "Faça o acompanhamento na semana seguinte"),
    }),
    ("lucia@demo.puente", ["CA"], ["customs", "certifications"], [CFIA], 3, {
        "es": ("Canadá: lo que pide la licencia SFC a tu importador",
               "Con el Reglamento de Alimentos Seguros para los Canadienses (SFCR), el importador necesita una "
               "licencia de la Agencia Canadiense de Inspección de Alimentos (CFIA) y debe demostrar que su "
               "proveedor extranjero produce con controles preventivos.",
               "Prepara tu plan de controles preventivos por escrito\n"
               "Guarda registros de trazabilidad: un paso hacia atrás y uno hacia adelante\n"
               "Confirma que tu importador tiene licencia SFC vigente\n"
               "Revisa el etiquetado bilingüe (inglés y francés)"),
        "pt": ("Canadá: o que a licença SFC pede ao seu importador",
               "Com o Regulamento de Alimentos Seguros para os Canadenses (SFCR), o importador precisa de uma "
               "licença da Agência Canadense de Inspeção de Alimentos (CFIA) e deve mostrar que o fornecedor "
               "estrangeiro produz com controles preventivos.",
               "Prepare seu plano de controles preventivos por escrito\n"
               "Guarde registros de rastreabilidade: um passo para trás e um para a frente\n"
               "Confirme que o importador tem licença SFC válida\n"
               "Revise a rotulagem bilíngue (inglês e francês)"),
    }),
    ("lucia@demo.puente", ["CA"], ["customs", "pricing"], [CBSA], 4, {
        "es": ("Canadá: arancel preferencial con prueba de origen",
               "Canadá tiene tratados de libre comercio con varios países de América Latina (entre ellos "
               "Colombia, Perú, Chile, Honduras, Panamá, Costa Rica y México). Con la prueba de origen que pide "
               "cada tratado, tu importador paga menos arancel.",
               "Busca tu código arancelario y el tratado que aplica en la página de la CBSA\n"
               "Verifica que tu producto cumple la regla de origen\n"
               "Emite la prueba de origen con los datos que pide el tratado\n"
               "Envíala a tu importador junto con la factura comercial"),
        "pt": ("Canadá: tarifa preferencial com prova de origem",
               "O Canadá tem acordos de livre comércio com vários países da América Latina (entre eles "
               "Colômbia, Peru, Chile, Honduras, Panamá, Costa Rica e México). Com a prova de origem que cada "
               "acordo pede, o importador paga menos tarifa.",
               "Procure seu código tarifário e o acordo aplicável na página da CBSA\n"
               "Verifique se o produto cumpre a regra de origem\n"
               "Emita a prova de origem com os dados que o acordo pede\n"
               "Envie ao importador junto com a fatura comercial"),
    }),
    ("isabel@demo.puente", ["CA"], ["packaging", "legal"], [CA_TEXTILE], 7, {
        "es": ("Etiquetas de ropa para Canadá: bilingües y con número CA",
               "En Canadá, la etiqueta de una prenda indica la composición de fibras en inglés y en francés y "
               "quién es el comerciante, con su nombre y dirección o un número CA. Lo supervisa la Oficina de "
               "la Competencia.",
               "Escribe la composición en inglés y en francés\n"
               "Incluye el número CA de tu importador o su nombre y dirección\n"
               "Usa los nombres genéricos de fibras aceptados en Canadá\n"
               "Pide al importador que revise la etiqueta antes de producir"),
        "pt": ("Etiquetas de roupa para o Canadá: bilíngues e com número CA",
               "No Canadá, a etiqueta de uma peça indica a composição das fibras em inglês e em francês e quem "
               "é o comerciante, com nome e endereço ou um número CA. Quem fiscaliza é o Competition Bureau.",
               "Escreva a composição em inglês e em francês\n"
               "Inclua o número CA do importador ou seu nome e endereço\n"
               "Use os nomes genéricos de fibras aceitos no Canadá\n"
               "Peça ao importador para revisar a etiqueta antes de produzir"),
    }),
    ("lucia@demo.puente", ["US", "DE", "JP"], ["logistics", "pricing"], [ICC_INCOTERMS], 2, {
        "es": ("Incoterms 2020: FOB o FCA para tu primer contenedor",
               "Los Incoterms de la Cámara de Comercio Internacional dicen dónde pasa el riesgo y quién paga "
               "cada tramo. FOB sirve para carga que se sube al buque; para contenedores entregados en una "
               "terminal o bodega, FCA suele ajustarse mejor.",
               "Acuerda con el comprador el Incoterm y el lugar exacto\n"
               "Calcula tus costos hasta ese punto (transporte interno, aduana, manejo)\n"
               "Escribe el Incoterm con su año: «FCA Puerto Cortés, Incoterms 2020»\n"
               "Contrata seguro para los tramos en que el riesgo es tuyo"),
        "pt": ("Incoterms 2020: FOB ou FCA para o seu primeiro contêiner",
               "Os Incoterms da Câmara de Comércio Internacional dizem onde passa o risco e quem paga cada "
               "trecho. FOB serve para carga colocada a bordo do navio; para contêineres entregues num terminal "
               "ou armazém, FCA costuma ser mais adequado.",
               "Combine com o comprador o Incoterm e o local exato\n"
               "Calcule seus custos até esse ponto (frete interno, despacho, manuseio)\n"
               "Escreva o Incoterm com o ano: «FCA Santos, Incoterms 2020»\n"
               "Contrate seguro para os trechos em que o risco é seu"),
        "en": ("Incoterms 2020: FOB or FCA for your first container",
               "The International Chamber of Commerce's Incoterms say where risk passes and who pays each leg. "
               "FOB fits cargo loaded on board the vessel; for containers handed over at a terminal or "
               "warehouse, FCA is usually the better fit.",
               "Agree the Incoterm and the exact place with your buyer\n"
               "Cost everything up to that point (inland freight, customs, handling)\n"
               "Write the Incoterm with its year: “FCA Puerto Cortés, Incoterms 2020”\n"
               "Insure the legs where the risk is yours"),
    }),
    ("lucia@demo.puente", ["JP", "US"], ["payments"], [ICC], 5, {
        "en": ("Letter of credit: when it is worth it for a first shipment",
               "A documentary letter of credit, under the ICC's UCP 600 rules, has the buyer's bank promise to "
               "pay against compliant documents. It costs bank fees and exact paperwork, but protects a first "
               "shipment to an unknown buyer; a confirmed letter of credit adds your own bank's promise.",
               "Compare its cost with an advance payment plus payment against documents\n"
               "Read the draft letter of credit before the buyer opens it\n"
               "Make every document match the credit exactly (names, amounts, dates)\n"
               "Ask your bank to confirm it if you doubt the issuing bank"),
        "es": ("Carta de crédito: cuándo vale la pena en un primer embarque",
               "Con una carta de crédito documentaria, bajo las reglas UCP 600 de la CCI, el banco del comprador "
               "promete pagar contra documentos conformes. Cuesta comisiones y papeles exactos, pero protege un "
               "primer embarque a un comprador desconocido; confirmada, suma la promesa de tu propio banco.",
               "Compara su costo con un anticipo más pago contra documentos\n"
               "Lee el borrador de la carta de crédito antes de que el comprador la abra\n"
               "Haz que cada documento coincida exactamente (nombres, montos, fechas)\n"
               "Pide a tu banco que la confirme si dudas del banco emisor"),
        "pt": ("Carta de crédito: quando vale a pena no primeiro embarque",
               "Numa carta de crédito documentária, pelas regras UCP 600 da CCI, o banco do comprador promete "
               "pagar contra documentos conformes. Custa tarifas e papéis exatos, mas protege um primeiro "
               "embarque para um comprador desconhecido; confirmada, soma a promessa do seu próprio banco.",
               "Compare o custo com um adiantamento mais pagamento contra documentos\n"
               "Leia a minuta da carta de crédito antes de o comprador abri-la\n"
               "Faça cada documento coincidir exatamente (nomes, valores, datas)\n"
               "Peça ao seu banco para confirmá-la se duvidar do banco emissor"),
    }),
]

# Demo answers that grow into entries: (cluster, question title, proposer, publisher, consent of the author)
FROM_ANSWERS = [
    ("cafe-especial", "¿Qué registros pide la FDA para exportar café verde a Estados Unidos?",
     "lucia@demo.puente", "lucia@demo.puente", True),
    ("cacao-chocolate", "Como comprovar a origem do cacau para o regulamento EUDR?",
     "valentina@demo.puente", "valentina@demo.puente", None),
]


def seed(stdout) -> None:
    people = {user.email: user for user in User.objects.filter(email__endswith="@demo.puente")}
    made = 0
    for email, markets, topics, sources, months, texts in ENTRIES:
        author = people.get(email)
        if author is None:
            continue
        original = next(iter(texts))
        title = texts[original][0]
        if EntryText.objects.filter(language=original, title=title).exists():
            continue
        summary, steps = texts[original][1:]
        entry = services.entry_write(
            acting_user=author, language=original, title=title, summary=summary, steps=steps, markets=markets,
            topics=topics, sources=[{"label": label, "url": url} for label, url in sources],
        )
        for language, (title, summary, steps) in list(texts.items())[1:]:
            services.entry_translate(entry=entry, acting_user=author, language=language, title=title,
                                     summary=summary, steps=steps)
        services.entry_publish(entry=entry, acting_user=author)
        services.entry_mark_checked(entry=entry, acting_user=author,
                                    on=timezone.localdate() - datetime.timedelta(days=round(months * 30.5)))
        made += 1
    for slug, question_title, proposer, publisher, consent in FROM_ANSWERS:
        question = Question.objects.filter(cluster__slug=slug, title=question_title).select_related(
            "accepted_answer").first()
        if question is None or question.accepted_answer is None or proposer not in people:
            continue
        if Entry.objects.filter(source_answer=question.accepted_answer).exists():
            continue
        entry = services.entry_propose(answer=question.accepted_answer, acting_user=people[proposer])
        services.entry_publish(entry=entry, acting_user=people[publisher])
        if consent is not None:
            services.entry_consent(entry=entry, acting_user=question.accepted_answer.author, given=consent)
        made += 1
    stdout.write(f"library: {made} entries added ({Entry.objects.filter(status='published').count()} published).")
